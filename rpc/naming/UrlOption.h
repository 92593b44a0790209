// parseUrlOption: the one numeric option a naming URL may end with,
// "?name=N" (dns://...?refresh=30, zk://...?session_timeout_ms=4000), read
// the same strict way by every resolver.
//
// A pure function; any thread.
#ifndef RPC_NAMING_URLOPTION_H_
#define RPC_NAMING_URLOPTION_H_

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace muduo::rpc::naming {

// `query` is what follows '?'. The value of `name`, a decimal in [min, max];
// INVALID_ARGUMENT naming the option and the allowed range otherwise, or for
// any other option.
[[nodiscard]] inline absl::StatusOr<int64_t> parseUrlOption(std::string_view query,
                                                            std::string_view name, int64_t min,
                                                            int64_t max) {
  const std::string range = std::to_string(min) + "-" + std::to_string(max);
  if (!query.starts_with(name) || query.substr(name.size(), 1) != "=") {
    return absl::InvalidArgumentError("unknown option \"" + std::string(query) +
                                      "\" (known: " + std::string(name) + "=" + range + ")");
  }
  const std::string_view text = query.substr(name.size() + 1);
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return absl::InvalidArgumentError(std::string(name) + " wants " + range + ", not \"" +
                                      std::string(text) + "\"");
  }
  return value;
}

}  // namespace muduo::rpc::naming

#endif  // RPC_NAMING_URLOPTION_H_
