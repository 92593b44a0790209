// Fuzzes numeric address parsing: InetAddress::parse and the --bind/--port
// check every server's main() makes (listenAddressFromFlags).
//
// Input: port:u16le (or, for the flag check, port:i64le) then the text.
// Beyond "no crash", it checks against inet_pton directly: parse() accepts
// exactly the texts that are a whole IPv4 or IPv6 address (a NUL ends C's
// view of a string but not ours, so nothing after one may be ignored), keeps
// the port, and its toIp() text parses back to the same address.
#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "absl/flags/flag.h"
#include "muduo/net/InetAddress.h"
#include "muduo/net/ListenFlags.h"

namespace muduo::net {
namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "InetAddress_fuzzer: property violated: %s\n", what);
    std::abort();
  }
}

bool isAddress(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return false;
  const std::string s(text);
  unsigned char out[sizeof(struct in6_addr)];
  return ::inet_pton(AF_INET, s.c_str(), out) == 1 || ::inet_pton(AF_INET6, s.c_str(), out) == 1;
}

void checkParse(std::string_view text, uint16_t port) {
  const std::optional<InetAddress> addr = InetAddress::parse(text, port);
  require(addr.has_value() == isAddress(text), "parse() accepts exactly whole IP addresses");
  if (!addr) return;
  require(addr->port() == port, "parse() keeps the port");
  require(addr->isIpv6() == (text.find(':') != std::string_view::npos),
          "an address with a colon is IPv6, one without is IPv4");
  const std::optional<InetAddress> again = InetAddress::parse(addr->toIp(), port);
  require(again.has_value() && *again == *addr, "parse(toIp()) round-trips");
  const std::string ipPort = addr->toIpPort();
  require(ipPort.size() > addr->toIp().size(), "toIpPort() adds the port");
}

void checkListenFlags(std::string_view text, int64_t port) {
  absl::SetFlag(&FLAGS_bind, std::string(text));
  const absl::StatusOr<InetAddress> addr = listenAddressFromFlags(port, "port");
  const bool portOk = port >= 0 && port <= std::numeric_limits<uint16_t>::max();
  require(addr.ok() == (portOk && isAddress(text)),
          "a listen address is accepted exactly when --port and --bind are valid");
  if (addr.ok()) require(addr->port() == port, "the listen address has the port asked for");
}

}  // namespace
}  // namespace muduo::net

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  uint16_t port;
  std::memcpy(&port, data, sizeof port);
  int64_t wide;
  std::memcpy(&wide, data, sizeof wide);
  const std::string_view text(reinterpret_cast<const char*>(data) + 8, size - 8);
  muduo::net::checkParse(text, port);
  // Mostly 16-bit ports; now and then just past them, or any 64-bit value.
  const int64_t flagPort = (data[7] & 0x80) != 0   ? wide
                           : (data[7] & 0x40) != 0 ? (wide & 0x1ffff)
                                                   : port;
  muduo::net::checkListenFlags(text, flagPort);
  return 0;
}
