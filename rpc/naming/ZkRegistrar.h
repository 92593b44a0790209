// ZkRegistrar: keeps one server registered under a ZooKeeper service path as
// an ephemeral sequential node, "<path>/endpoint-<token>-<sequence>", whose
// data is the server's Endpoint (EndpointFormat.h). Missing parents of the
// path are created (persistent, empty).
//
// The node lives as long as the session: a server that dies stops
// heartbeating and ZooKeeper deletes its node one session timeout later.
// After a session expiry (the node is gone with the old session) the
// registrar creates it again in the new session; if someone deletes it, it
// is created again too. A create whose answer was lost (connection loss)
// may still have happened: before creating, the registrar looks for a child
// with its own token and adopts it, so one server never has two nodes.
//
// deregister() deletes the node and stops re-registering; a server calls it
// first on a graceful shutdown, before draining, so clients move away while
// it still answers. Destroying a registrar deregisters without waiting.
//
// Thread contract: start(), deregister() and the accessors may be called
// from any thread; the work happens in ZkSession's loop; deregister()'s
// callback runs in the loop it is given.
#ifndef RPC_NAMING_ZKREGISTRAR_H_
#define RPC_NAMING_ZKREGISTRAR_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rpc/naming/Resolver.h"
#include "rpc/naming/ZkSession.h"

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::rpc::naming {

class ZkRegistrar {
 public:
  // `url` is a zk:// URL as resolvers take it
  // ("zk://h:2181/services/NAME[?session_timeout_ms=N]"). INVALID_ARGUMENT
  // for a bad URL or an endpoint the data format cannot carry.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ZkRegistrar>> create(
      std::string_view url, const Endpoint& endpoint);
  ~ZkRegistrar();
  ZkRegistrar(const ZkRegistrar&) = delete;
  ZkRegistrar& operator=(const ZkRegistrar&) = delete;

  // Registers, and keeps registered until deregister(). Call once.
  void start();
  // Deletes the node and stops re-registering, then runs `done` in `loop`
  // with OK (deleted, or there was none), the error ZooKeeper gave, or
  // DEADLINE_EXCEEDED if it did not answer within `timeout` (ZooKeeper
  // down: the node then goes when the session does).
  void deregister(net::EventLoop* loop, std::chrono::milliseconds timeout,
                  absl::AnyInvocable<void(absl::Status)> done);

  // The node's path while registered, else empty. Any thread.
  [[nodiscard]] std::string nodePath() const;
  // How many times a node was created (or adopted). Any thread.
  [[nodiscard]] int registrations() const;
  [[nodiscard]] const std::string& name() const;

 private:
  struct State;
  explicit ZkRegistrar(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
};

}  // namespace muduo::rpc::naming

#endif  // RPC_NAMING_ZKREGISTRAR_H_
