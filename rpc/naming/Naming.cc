#include "rpc/naming/Naming.h"

#include <string>

#include "rpc/naming/DnsResolver.h"
#include "rpc/naming/ListResolver.h"
#include "rpc/naming/ZkResolver.h"

namespace muduo::rpc::naming {

absl::StatusOr<std::unique_ptr<Resolver>> makeResolver(std::string_view url) {
  constexpr std::string_view kList = "list://";
  if (url.starts_with(kList)) {
    absl::StatusOr<std::unique_ptr<ListResolver>> list =
        ListResolver::parse(url.substr(kList.size()));
    if (!list.ok()) {
      return absl::InvalidArgumentError(std::string(url) + ": " +
                                        std::string(list.status().message()));
    }
    return std::unique_ptr<Resolver>(std::move(*list));
  }
  constexpr std::string_view kDns = "dns://";
  if (url.starts_with(kDns)) {
    absl::StatusOr<std::unique_ptr<DnsResolver>> dns = DnsResolver::parse(url.substr(kDns.size()));
    if (!dns.ok()) {
      return absl::InvalidArgumentError(std::string(url) + ": " +
                                        std::string(dns.status().message()));
    }
    return std::unique_ptr<Resolver>(std::move(*dns));
  }
  constexpr std::string_view kZk = "zk://";
  if (url.starts_with(kZk)) {
    absl::StatusOr<std::unique_ptr<ZkResolver>> zk = ZkResolver::parse(url.substr(kZk.size()));
    if (!zk.ok()) {
      return absl::InvalidArgumentError(std::string(url) + ": " +
                                        std::string(zk.status().message()));
    }
    return std::unique_ptr<Resolver>(std::move(*zk));
  }
  return absl::InvalidArgumentError("unknown naming scheme in \"" + std::string(url) +
                                    "\" (known: list://, dns://, zk://)");
}

}  // namespace muduo::rpc::naming
