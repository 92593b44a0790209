// Resolver: turns a service name into the live list of endpoints that serve
// it, and pushes every change of that list to whoever uses it (a cluster
// channel). Which kind of resolver a name needs is said by its URL scheme;
// makeResolver() (Naming.h) picks it.
//
// A resolver always pushes the complete list, never a delta, so a listener
// that missed nothing and one that just started handle it the same way.
//
// Outages keep the last known list: once a resolver has pushed a list, a
// failure to refresh it (DNS timing out, ZooKeeper unreachable) is logged and
// the list stays, because a stale list of servers is far more useful to a
// client than none. Only a resolver that has never had a list pushes an
// error, so a caller can fail fast with the reason.
//
// Thread contract: start() and stop() are called in the loop thread given
// to start(); the listener runs only in that thread. A resolver may do its
// work (blocking DNS lookups, ZooKeeper's own threads) elsewhere and post
// results into the loop. After stop() returns, the listener is never called
// again, even for results already in flight.
#ifndef RPC_NAMING_RESOLVER_H_
#define RPC_NAMING_RESOLVER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "muduo/net/InetAddress.h"

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::rpc::naming {

struct Endpoint {
  net::InetAddress address;
  // Relative share for weighted policies; 0 means "registered but drained":
  // keep connections open, send nothing new.
  uint32_t weight = 1;
  // Free-form labels a server registered with (zone, version, shard, ...).
  std::map<std::string, std::string> metadata;

  friend bool operator==(const Endpoint& a, const Endpoint& b) {
    return a.address == b.address && a.weight == b.weight && a.metadata == b.metadata;
  }
};

using EndpointList = std::vector<Endpoint>;

class Resolver {
 public:
  using Listener = absl::AnyInvocable<void(const absl::StatusOr<EndpointList>& endpoints)>;

  virtual ~Resolver() = default;

  // Starts watching. `listener` runs in `loop`'s thread: first with the
  // initial list (or, if none could be had, an error saying why), then after
  // every change. Call once.
  virtual void start(net::EventLoop* loop, Listener listener) = 0;
  // Stops watching; see the thread contract above. Idempotent.
  virtual void stop() = 0;
};

}  // namespace muduo::rpc::naming

#endif  // RPC_NAMING_RESOLVER_H_
