// InetAddress: an IPv4 or IPv6 socket address (a sockaddr_in6 wide union).
//
// A plain value type, safe to copy and to use from any thread.
#ifndef MUDUO_NET_INETADDRESS_H_
#define MUDUO_NET_INETADDRESS_H_

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace muduo::net {

class InetAddress {
 public:
  // INADDR_ANY (or in6addr_any), or loopback when `loopbackOnly`. Port 0 asks
  // the kernel for a free port.
  explicit InetAddress(uint16_t port = 0, bool loopbackOnly = false, bool ipv6 = false);
  // A numeric address, "127.0.0.1" or "::1". Aborts on text that is not one:
  // use parse() for untrusted input.
  InetAddress(std::string_view ip, uint16_t port);
  explicit InetAddress(const struct sockaddr_in& addr) { addr_.v4 = addr; }
  explicit InetAddress(const struct sockaddr_in6& addr) { addr_.v6 = addr; }

  [[nodiscard]] static std::optional<InetAddress> parse(std::string_view ip, uint16_t port);
  // Resolves a host name (blocking getaddrinfo) to its first address of the
  // given family; numeric text resolves without a lookup.
  [[nodiscard]] static std::optional<InetAddress> resolve(std::string_view host, uint16_t port,
                                                          bool ipv6 = false);

  [[nodiscard]] sa_family_t family() const { return addr_.v4.sin_family; }
  [[nodiscard]] bool isIpv6() const { return family() == AF_INET6; }
  [[nodiscard]] std::string toIp() const;
  [[nodiscard]] std::string toIpPort() const;  // "1.2.3.4:80" or "[::1]:80"
  [[nodiscard]] uint16_t port() const;

  [[nodiscard]] const struct sockaddr* getSockAddr() const {
    return reinterpret_cast<const struct sockaddr*>(&addr_);
  }
  [[nodiscard]] socklen_t sockAddrLen() const {
    return isIpv6() ? sizeof addr_.v6 : sizeof addr_.v4;
  }
  void setSockAddrInet6(const struct sockaddr_in6& addr6) { addr_.v6 = addr6; }

  friend bool operator==(const InetAddress& a, const InetAddress& b);

 private:
  union {
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
  } addr_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_INETADDRESS_H_
