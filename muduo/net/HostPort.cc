#include "muduo/net/HostPort.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace muduo::net {
namespace {

absl::Status invalid(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("\"", absl::CEscape(std::string(text)),
                                                 "\" is not host:port: ", std::string(why)));
}

bool isHostNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

}  // namespace

absl::StatusOr<HostPort> HostPort::parse(std::string_view text, ZeroPort zero) {
  std::string_view host;
  std::string_view port;
  bool ipv6 = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return invalid(text, "no ']' after the IPv6 address");
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return invalid(text, "no ':port' after the ']'");
    }
    port = text.substr(close + 2);
    ipv6 = true;
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return invalid(text, "no ':port'");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return invalid(text, "an IPv6 address needs brackets, as in [::1]:9091");
    }
  }
  if (host.empty()) return invalid(text, "the host is empty");
  if (ipv6) {
    // Only a numeric IPv6 address goes in brackets (RFC 3986 3.2.2).
    const std::optional<InetAddress> addr = InetAddress::parse(host, 0);
    if (!addr || !addr->isIpv6()) return invalid(text, "not an IPv6 address in the brackets");
  } else if (!std::all_of(host.begin(), host.end(), isHostNameChar)) {
    return invalid(text, "the host has a character no host name has");
  }
  if (port.empty()) return invalid(text, "the port is empty");
  // At most five digits, so the value cannot overflow before the range check.
  if (port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return invalid(text, "the port is not a number from 1 to 65535");
  }
  uint32_t value = 0;
  for (char c : port) value = value * 10 + static_cast<uint32_t>(c - '0');
  if (value > 65535) return invalid(text, "the port is not a number from 1 to 65535");
  if (value == 0 && zero == ZeroPort::kRefuse) return invalid(text, "port 0 names no peer");
  return HostPort(std::string(host), static_cast<uint16_t>(value), ipv6);
}

absl::StatusOr<InetAddress> HostPort::resolve(std::string_view text) {
  absl::StatusOr<HostPort> hostPort = parse(text);
  if (!hostPort.ok()) return hostPort.status();
  std::optional<InetAddress> addr =
      InetAddress::resolve(hostPort->host(), hostPort->port(), hostPort->ipv6());
  if (!addr) {
    return absl::NotFoundError(absl::StrCat("\"", absl::CEscape(std::string(text)),
                                            "\": unknown host \"", absl::CEscape(hostPort->host()),
                                            "\""));
  }
  return *addr;
}

std::string HostPort::toString() const {
  return ipv6_ ? absl::StrCat("[", host_, "]:", port_) : absl::StrCat(host_, ":", port_);
}

}  // namespace muduo::net
