#include "muduo/net/InetAddress.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <cstring>

#include "muduo/base/Logging.h"

namespace muduo::net {

static_assert(offsetof(sockaddr_in, sin_family) == offsetof(sockaddr_in6, sin6_family));
static_assert(offsetof(sockaddr_in, sin_port) == offsetof(sockaddr_in6, sin6_port));

InetAddress::InetAddress(uint16_t port, bool loopbackOnly, bool ipv6) {
  memset(&addr_, 0, sizeof addr_);
  if (ipv6) {
    addr_.v6.sin6_family = AF_INET6;
    addr_.v6.sin6_addr = loopbackOnly ? in6addr_loopback : in6addr_any;
    addr_.v6.sin6_port = htons(port);
  } else {
    addr_.v4.sin_family = AF_INET;
    addr_.v4.sin_addr.s_addr = htonl(loopbackOnly ? INADDR_LOOPBACK : INADDR_ANY);
    addr_.v4.sin_port = htons(port);
  }
}

InetAddress::InetAddress(std::string_view ip, uint16_t port) {
  std::optional<InetAddress> parsed = parse(ip, port);
  if (!parsed) LOG_FATAL << "not a numeric IP address: " << ip;
  *this = *parsed;
}

std::optional<InetAddress> InetAddress::parse(std::string_view ip, uint16_t port) {
  // inet_pton would stop at a NUL and accept "127.0.0.1\0anything".
  if (ip.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string text(ip);  // inet_pton needs a terminated string
  InetAddress addr;
  memset(&addr.addr_, 0, sizeof addr.addr_);
  if (text.find(':') != std::string::npos) {
    addr.addr_.v6.sin6_family = AF_INET6;
    addr.addr_.v6.sin6_port = htons(port);
    if (::inet_pton(AF_INET6, text.c_str(), &addr.addr_.v6.sin6_addr) != 1) return std::nullopt;
  } else {
    addr.addr_.v4.sin_family = AF_INET;
    addr.addr_.v4.sin_port = htons(port);
    if (::inet_pton(AF_INET, text.c_str(), &addr.addr_.v4.sin_addr) != 1) return std::nullopt;
  }
  return addr;
}

std::optional<InetAddress> InetAddress::resolve(std::string_view host, uint16_t port, bool ipv6) {
  if (std::optional<InetAddress> numeric = parse(host, port)) return numeric;
  // getaddrinfo would look up only the part before a NUL.
  if (host.find('\0') != std::string_view::npos) return std::nullopt;
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = ipv6 ? AF_INET6 : AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  struct addrinfo* result = nullptr;
  const std::string name(host);
  const int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &result);
  if (rc != 0) {
    // The caller reports the failure in its own words (a client's "unknown
    // host"); a warning here would say it twice.
    LOG_DEBUG << "cannot resolve " << host << ": " << ::gai_strerror(rc);
    return std::nullopt;
  }
  std::optional<InetAddress> addr;
  if (result != nullptr) {
    if (result->ai_family == AF_INET6) {
      auto v6 = *reinterpret_cast<const sockaddr_in6*>(result->ai_addr);
      v6.sin6_port = htons(port);
      addr = InetAddress(v6);
    } else {
      auto v4 = *reinterpret_cast<const sockaddr_in*>(result->ai_addr);
      v4.sin_port = htons(port);
      addr = InetAddress(v4);
    }
  }
  ::freeaddrinfo(result);
  return addr;
}

std::string InetAddress::toIp() const {
  char buf[INET6_ADDRSTRLEN] = "";
  if (isIpv6()) {
    ::inet_ntop(AF_INET6, &addr_.v6.sin6_addr, buf, sizeof buf);
  } else {
    ::inet_ntop(AF_INET, &addr_.v4.sin_addr, buf, sizeof buf);
  }
  return buf;
}

std::string InetAddress::toIpPort() const {
  const std::string port = std::to_string(this->port());
  return isIpv6() ? "[" + toIp() + "]:" + port : toIp() + ":" + port;
}

uint16_t InetAddress::port() const { return ntohs(addr_.v4.sin_port); }

bool operator==(const InetAddress& a, const InetAddress& b) {
  if (a.family() != b.family() || a.port() != b.port()) return false;
  if (a.isIpv6()) {
    return memcmp(&a.addr_.v6.sin6_addr, &b.addr_.v6.sin6_addr, sizeof(in6_addr)) == 0;
  }
  return a.addr_.v4.sin_addr.s_addr == b.addr_.v4.sin_addr.s_addr;
}

}  // namespace muduo::net
