// ConnectionFlags: the command-line flags every server binary shares for
// ConnectionOptions, defined once so each protocol's port is limited the
// same way and documented in one place:
//
//   --request_timeout_ms   a started request must complete within this
//                          (plus one second per --min_request_rate bytes)
//   --min_request_rate     bytes per second that extend a request's deadline
//   --idle_timeout_ms      close connections with no traffic for this long
//   --output_budget_kib    stop reading a connection with this much unsent
//
// Call from main() after absl::ParseCommandLine. Link only into binaries.
#ifndef MUDUO_NET_CONNECTIONFLAGS_H_
#define MUDUO_NET_CONNECTIONFLAGS_H_

#include <chrono>

#include "absl/status/statusor.h"
#include "muduo/net/ConnectionOptions.h"

namespace muduo::net {

// ConnectionOptions from the flags. A flag left at its default keeps
// `defaults`' value, so each server chooses its own defaults (an RPC port
// whose clients keep connections for hours has no idle timeout; an HTTP
// server does). INVALID_ARGUMENT naming the flag for a value out of its
// range ("--output_budget_kib=... is out of range (-1 to 1073741824)"): a
// timeout over ten years or a budget over 1 TiB would wrap around in the
// arithmetic that uses it and mean something else entirely.
[[nodiscard]] absl::StatusOr<ConnectionOptions> connectionOptionsFromFlags(
    const ConnectionOptions& defaults);

}  // namespace muduo::net

#endif  // MUDUO_NET_CONNECTIONFLAGS_H_
