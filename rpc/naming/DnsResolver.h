// DnsResolver: "dns://host:port[?refresh=S]", every address the name has
// (getaddrinfo, IPv4 and IPv6), looked up again every S seconds (default 30).
//
// Lookups block, so they run on a worker thread of the resolver's own,
// never on the caller's loop; results are posted into it. The list is pushed
// first, then only when it changes (sorted, so a resolver that returns the
// same set in another order is no change). A failed lookup after a list was
// had keeps that list, logged once per run of failures (WARN); a resolver
// that never had a list pushes the error once (UNAVAILABLE, saying why) and
// keeps trying, sooner than the refresh period (every kRetry at most).
//
// The lookup function is injectable, so tests script the answers.
//
// Thread contract: as Resolver. The lookup function runs on the worker
// thread only. The worker finishes a lookup in progress after stop() (it
// holds its own state), so neither stop() nor the destructor ever waits
// for DNS.
#ifndef RPC_NAMING_DNSRESOLVER_H_
#define RPC_NAMING_DNSRESOLVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "rpc/naming/Resolver.h"

namespace muduo::rpc::naming {

class DnsResolver final : public Resolver {
 public:
  using Lookup = std::function<absl::StatusOr<std::vector<net::InetAddress>>(
      const std::string& host, uint16_t port)>;

  static constexpr std::chrono::seconds kDefaultRefresh{30};
  static constexpr std::chrono::seconds kRetry{5};

  struct Options {
    std::chrono::milliseconds refresh = kDefaultRefresh;
    // How soon to look again after a failure (never later than `refresh`).
    std::chrono::milliseconds retry = kRetry;
    Lookup lookup = &DnsResolver::systemLookup;
  };

  DnsResolver(std::string host, uint16_t port, Options options);
  ~DnsResolver() override;

  // `spec` is what follows "dns://": host:port, then optionally
  // "?refresh=S" with S whole seconds, 1-86400. INVALID_ARGUMENT otherwise.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DnsResolver>> parse(std::string_view spec);

  // getaddrinfo for TCP, every family; sorted, without duplicates.
  // UNAVAILABLE saying why when there is no address. Blocks; any thread.
  [[nodiscard]] static absl::StatusOr<std::vector<net::InetAddress>> systemLookup(
      const std::string& host, uint16_t port);

  void start(net::EventLoop* loop, Listener listener) override;
  void stop() override;

  [[nodiscard]] const std::string& host() const { return host_; }
  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] const Options& options() const { return options_; }

 private:
  struct State;

  const std::string host_;
  const uint16_t port_;
  const Options options_;
  std::shared_ptr<State> state_;
};

}  // namespace muduo::rpc::naming

#endif  // RPC_NAMING_DNSRESOLVER_H_
