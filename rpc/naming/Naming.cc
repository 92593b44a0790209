#include "rpc/naming/Naming.h"

#include <string>

#include "rpc/naming/DnsResolver.h"
#include "rpc/naming/ListResolver.h"
#include "rpc/naming/ZkResolver.h"

namespace muduo::rpc::naming {

namespace {

// The resolver `parse` makes of what follows `scheme`, or its error with
// the whole URL in front.
template <typename T>
absl::StatusOr<std::unique_ptr<Resolver>> parseAs(
    std::string_view url, std::string_view scheme,
    absl::StatusOr<std::unique_ptr<T>> (*parse)(std::string_view)) {
  absl::StatusOr<std::unique_ptr<T>> resolver = parse(url.substr(scheme.size()));
  if (!resolver.ok()) {
    return absl::InvalidArgumentError(std::string(url) + ": " +
                                      std::string(resolver.status().message()));
  }
  return std::unique_ptr<Resolver>(std::move(*resolver));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Resolver>> makeResolver(std::string_view url) {
  constexpr std::string_view kList = "list://";
  constexpr std::string_view kDns = "dns://";
  constexpr std::string_view kZk = "zk://";
  if (url.starts_with(kList)) return parseAs(url, kList, &ListResolver::parse);
  if (url.starts_with(kDns)) return parseAs(url, kDns, &DnsResolver::parse);
  if (url.starts_with(kZk)) return parseAs(url, kZk, &ZkResolver::parse);
  return absl::InvalidArgumentError("unknown naming scheme in \"" + std::string(url) +
                                    "\" (known: list://, dns://, zk://)");
}

}  // namespace muduo::rpc::naming
