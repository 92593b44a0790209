// ServiceHost: what a protocol plugged into an RpcServer (ProtocolHandler)
// sees of the server: its services, its statistics, whether it is draining
// or unhealthy,
// and the one way to run a call, so calls that arrive in another protocol
// live the same life as MRPC calls (counted in flight, so shutdown waits for
// them; on the worker pool when the server has one; in RpcStats).
//
// Thread contract: every method may be called from any thread once the
// server has started; dispatch() from the loop thread of the call's
// connection.
#ifndef RPC_SERVICEHOST_H_
#define RPC_SERVICEHOST_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace muduo::rpc {

class RpcStats;
class ServerCall;
class Service;

class ServiceHost {
 public:
  virtual ~ServiceHost() = default;

  // The service registered under a full name ("package.Service"); null if none.
  [[nodiscard]] virtual Service* findService(std::string_view fullName) const = 0;
  // Per-method counters, shared with every call that records into them.
  [[nodiscard]] virtual std::shared_ptr<RpcStats> sharedStats() const = 0;
  // True once shutdown() began: health checks should fail from then on.
  [[nodiscard]] virtual bool draining() const = 0;
  // OK, or why the application behind the server cannot do its job (a
  // failed disk, say): health checks should fail while it is not OK.
  [[nodiscard]] virtual absl::Status health() const = 0;
  // The application's own lines for /status (a KV node's slot map, say);
  // empty for none.
  [[nodiscard]] virtual std::string applicationStatus() const { return ""; }
  // Runs `method` of `service` for `call`, as RpcServer runs an MRPC
  // request: counts it in flight until it dies, records it in the stats,
  // queues it on the worker pool when there is one (RESOURCE_EXHAUSTED when
  // the queue is full; dropped unrun once cancelled), and answers
  // UNIMPLEMENTED for a method the service does not have.
  virtual void dispatch(Service* service, const std::string& method,
                        const std::shared_ptr<ServerCall>& call) = 0;
};

}  // namespace muduo::rpc

#endif  // RPC_SERVICEHOST_H_
