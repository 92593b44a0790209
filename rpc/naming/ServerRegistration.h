// ServerRegistration: what a server binary needs to put itself into
// ZooKeeper, behind four flags, kept out of rpc:server so the server library
// has no ZooKeeper dependency. A main() calls it from outside:
//
//   auto registration = ServerRegistration::fromFlags(server.listenAddress());
//   ...  server.start(); (*registration)->start();
//   return runner.run([&](auto done) {
//     (*registration)->deregisterThen(runner.loop(), [&, done = std::move(done)]() mutable {
//       server.shutdown(5s, std::move(done));    // drain after clients moved away
//     });
//   });
//
//   --register=zk://h:2181[,h2:2181]/services/NAME[?session_timeout_ms=N]
//                           register while serving (empty: don't)
//   --register_weight=N     the endpoint's weight (0-1000000; default 1)
//   --register_metadata=k=v,k=v   free-form labels (zone, version, ...)
//   --advertise=host[:port] the address clients should use, when the
//                           listen address is a wildcard (--bind=0.0.0.0) or
//                           not reachable by them; the port defaults to the
//                           listening one. A name is resolved once, at start.
//
// Graceful shutdown deregisters BEFORE draining: clients' resolvers drop the
// server while it still answers, so calls move away instead of failing.
// Deregistration waits at most kDeregisterTimeout for ZooKeeper.
//
// Thread contract: construct and start() in the main thread;
// deregisterThen() in `loop`'s thread, whose `then` runs there too.
#ifndef RPC_NAMING_SERVERREGISTRATION_H_
#define RPC_NAMING_SERVERREGISTRATION_H_

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "muduo/net/InetAddress.h"
#include "rpc/naming/ZkRegistrar.h"

ABSL_DECLARE_FLAG(std::string, register);
ABSL_DECLARE_FLAG(int, register_weight);
ABSL_DECLARE_FLAG(std::string, register_metadata);
ABSL_DECLARE_FLAG(std::string, advertise);

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::rpc::naming {

class ServerRegistration {
 public:
  static constexpr std::chrono::milliseconds kDeregisterTimeout{2000};

  struct Config {
    std::string url;  // empty: register nowhere
    int64_t weight = 1;
    std::string metadata;   // "k=v,k=v"
    std::string advertise;  // "host[:port]"
  };

  // From the flags above. INVALID_ARGUMENT naming the flag for a bad value.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ServerRegistration>> fromFlags(
      const net::InetAddress& listenAddress);
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ServerRegistration>> fromConfig(
      const Config& config, const net::InetAddress& listenAddress);

  // Registers (nothing without a URL).
  void start();
  // Deregisters (waiting at most kDeregisterTimeout), then runs `then` in
  // `loop`. Without a URL, runs `then` at once.
  void deregisterThen(net::EventLoop* loop, absl::AnyInvocable<void()> then);

  [[nodiscard]] bool enabled() const { return registrar_ != nullptr; }
  [[nodiscard]] const Endpoint& endpoint() const { return endpoint_; }
  // For tests; null when not enabled.
  [[nodiscard]] ZkRegistrar* registrar() const { return registrar_.get(); }

 private:
  ServerRegistration(Endpoint endpoint, std::unique_ptr<ZkRegistrar> registrar)
      : endpoint_(std::move(endpoint)), registrar_(std::move(registrar)) {}

  const Endpoint endpoint_;
  std::unique_ptr<ZkRegistrar> registrar_;
};

}  // namespace muduo::rpc::naming

#endif  // RPC_NAMING_SERVERREGISTRATION_H_
