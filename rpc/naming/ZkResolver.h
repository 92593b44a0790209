// ZkResolver: the endpoints registered under a ZooKeeper path,
// "zk://host:port[,host:port...]/services/muduo.kv.KvService", kept current
// by watches (never polling) on the process's shared ZkSession.
//
// Every child of the path is one endpoint; its data is an endpoint in the
// format of EndpointFormat.h (rpc/naming/README.md). The list pushed is
// every child whose data parses, in child-name order (registration order
// for ZkRegistrar's sequential nodes). A child whose data does not parse is
// left out with a WARN naming it, once per distinct bad content; it never
// fails the list.
//
// Decisions:
//   * An absent path is an empty list, not an error: servers may register
//     after their clients start. The resolver watches for the path to appear.
//   * After a change (or a reconnect) the resolver re-reads the children and
//     all their data, and pushes the whole list if it differs from the last
//     one pushed. A service has tens of endpoints, not thousands, so a full
//     re-read is cheap and cannot miss a change the way delta tracking can.
//   * ZooKeeper unreachable: the last list stays, logged once per outage
//     (WARN, with the list). If no list was ever had by the session timeout,
//     an UNAVAILABLE error is pushed once; a list still follows when
//     ZooKeeper answers.
//
// URL options: "?session_timeout_ms=N" sets the session's timeout, when this
// resolver is the first user of the connect string (ZkSession::get).
//
// Thread contract: as Resolver. The ZooKeeper work happens in ZkSession's
// loop; the listener runs in the loop given to start().
#ifndef RPC_NAMING_ZKRESOLVER_H_
#define RPC_NAMING_ZKRESOLVER_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "rpc/naming/Resolver.h"
#include "rpc/naming/ZkSession.h"

namespace muduo::rpc::naming {

struct ZkUrl {
  std::string connectString;  // "host:port[,host:port...]"
  std::string path;           // "/services/name", absolute, no trailing '/'
  ZkSession::Options options;
};

// Parses what follows "zk://". INVALID_ARGUMENT naming the problem.
[[nodiscard]] absl::StatusOr<ZkUrl> parseZkUrl(std::string_view spec);

class ZkResolver final : public Resolver {
 public:
  explicit ZkResolver(ZkUrl url);
  ~ZkResolver() override;

  // `spec` is what follows "zk://".
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ZkResolver>> parse(std::string_view spec);

  void start(net::EventLoop* loop, Listener listener) override;
  void stop() override;

 private:
  struct State;

  const ZkUrl url_;
  std::shared_ptr<State> state_;
};

}  // namespace muduo::rpc::naming

#endif  // RPC_NAMING_ZKRESOLVER_H_
