// HostPort: a peer named as "host:port" on a command line - "localhost:9091",
// "10.0.0.7:80", "[::1]:9091" - split and checked in one place, so every
// client refuses the same mistakes with the same words.
//
// The host is a name (letters, digits, '-', '.', '_'), a dotted IPv4
// address, or an IPv6 address in brackets; an IPv6 address without them is
// refused, since "::1:80" could end in either a port or an address group.
// The port is decimal digits only, 1-65535 (0 too where the caller allows
// it: "pick a free port" makes sense for a listener, not for a peer). Every
// error names the input as given, escaped.
//
// A plain value; parse() is a pure function, resolve() may block on DNS.
#ifndef MUDUO_NET_HOSTPORT_H_
#define MUDUO_NET_HOSTPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "muduo/net/InetAddress.h"

namespace muduo::net {

class HostPort {
 public:
  enum class ZeroPort { kRefuse, kAllow };

  // INVALID_ARGUMENT, naming `text`, when it is not host:port.
  [[nodiscard]] static absl::StatusOr<HostPort> parse(std::string_view text,
                                                      ZeroPort zero = ZeroPort::kRefuse);
  // parse(), then the address: a numeric host at once, a name through a
  // blocking lookup (NOT_FOUND, naming `text`, when there is none).
  [[nodiscard]] static absl::StatusOr<InetAddress> resolve(std::string_view text);

  // Without brackets.
  [[nodiscard]] const std::string& host() const { return host_; }
  [[nodiscard]] uint16_t port() const { return port_; }
  // Whether the host is an IPv6 address (it was bracketed).
  [[nodiscard]] bool ipv6() const { return ipv6_; }
  // "host:port" or "[v6]:port"; parse() gives this value back.
  [[nodiscard]] std::string toString() const;

  friend bool operator==(const HostPort&, const HostPort&) = default;

 private:
  HostPort(std::string host, uint16_t port, bool ipv6)
      : host_(std::move(host)), port_(port), ipv6_(ipv6) {}

  std::string host_;
  uint16_t port_;
  bool ipv6_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_HOSTPORT_H_
