#include "muduo/net/ListenFlags.h"

#include <cstdio>
#include <limits>
#include <optional>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(std::string, bind, "127.0.0.1",
          "IP address to listen on; 0.0.0.0 (or ::) listens on every interface");

namespace muduo::net {

absl::StatusOr<InetAddress> listenAddressFromFlags(int64_t port, std::string_view portFlag) {
  if (port < 0 || port > std::numeric_limits<uint16_t>::max()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", std::string(portFlag), "=", port, " is not a port (0-65535)"));
  }
  const std::string bind = absl::GetFlag(FLAGS_bind);
  std::optional<InetAddress> addr = InetAddress::parse(bind, static_cast<uint16_t>(port));
  if (!addr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--bind=", bind, " is not a numeric IP address"));
  }
  return *addr;
}

int reportStartupFailure(std::string_view program, const absl::Status& status) {
  const std::string line = absl::StrCat(std::string(program), ": ", status.message(), "\n");
  std::fputs(line.c_str(), stderr);
  return 1;
}

}  // namespace muduo::net
