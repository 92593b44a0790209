// ListenFlags: the one --bind flag that every server binary shares, and the
// checks its main() makes on the address it is about to listen on.
//
// A server listens on 127.0.0.1 unless --bind says otherwise (0.0.0.0 or ::
// for every interface): nothing is exposed to the network by default. Each
// binary keeps its own --port flag (the defaults differ) and passes its
// value here, so an out-of-range port is refused the same way everywhere
// instead of being truncated to 16 bits.
//
// Stateless apart from the flag; call from main() after ParseCommandLine.
#ifndef MUDUO_NET_LISTENFLAGS_H_
#define MUDUO_NET_LISTENFLAGS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/flags/declare.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "muduo/net/InetAddress.h"

ABSL_DECLARE_FLAG(std::string, bind);

namespace muduo::net {

// --bind and `port`, the value of the flag named `portFlag`: the address to
// listen on, or INVALID_ARGUMENT naming the flag ("--port=70000 is not a
// port (0-65535)", "--bind=foo is not a numeric IP address").
[[nodiscard]] absl::StatusOr<InetAddress> listenAddressFromFlags(int64_t port,
                                                                 std::string_view portFlag);

// Prints "<program>: <status message>" as one line on stderr and returns 1,
// the exit code for main(): how a server binary reports a bad flag or a
// listen that failed.
[[nodiscard]] int reportStartupFailure(std::string_view program, const absl::Status& status);

}  // namespace muduo::net

#endif  // MUDUO_NET_LISTENFLAGS_H_
