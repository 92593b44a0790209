#include "muduo/net/InetAddress.h"

#include <arpa/inet.h>

#include <optional>
#include <string_view>

#include "gtest/gtest.h"

namespace muduo::net {
namespace {

TEST(InetAddressTest, PortOnlyConstructorBindsToAnyIpv4Address) {
  InetAddress addr(1234);
  EXPECT_FALSE(addr.isIpv6());
  EXPECT_EQ(addr.family(), AF_INET);
  EXPECT_EQ(addr.toIp(), "0.0.0.0");
  EXPECT_EQ(addr.toIpPort(), "0.0.0.0:1234");
  EXPECT_EQ(addr.port(), 1234);
  EXPECT_EQ(addr.sockAddrLen(), sizeof(sockaddr_in));
}

TEST(InetAddressTest, LoopbackOnlySelectsTheLoopbackAddressOfEachFamily) {
  InetAddress v4(80, /*loopbackOnly=*/true);
  EXPECT_EQ(v4.toIpPort(), "127.0.0.1:80");
  InetAddress v6(80, /*loopbackOnly=*/true, /*ipv6=*/true);
  EXPECT_TRUE(v6.isIpv6());
  EXPECT_EQ(v6.toIpPort(), "[::1]:80");
}

TEST(InetAddressTest, Ipv6AnyAddressPrintsInBrackets) {
  InetAddress addr(8080, /*loopbackOnly=*/false, /*ipv6=*/true);
  EXPECT_EQ(addr.family(), AF_INET6);
  EXPECT_EQ(addr.toIp(), "::");
  EXPECT_EQ(addr.toIpPort(), "[::]:8080");
  EXPECT_EQ(addr.sockAddrLen(), sizeof(sockaddr_in6));
}

TEST(InetAddressTest, PortZeroAsksTheKernelForAFreePort) {
  InetAddress addr(0, /*loopbackOnly=*/true);
  EXPECT_EQ(addr.port(), 0);
  EXPECT_EQ(addr.toIpPort(), "127.0.0.1:0");
}

TEST(InetAddressTest, NumericIpv4TextIsStoredInNetworkOrder) {
  InetAddress addr("1.2.3.4", 65535);
  EXPECT_EQ(addr.toIp(), "1.2.3.4");
  EXPECT_EQ(addr.port(), 65535);
  EXPECT_EQ(addr.toIpPort(), "1.2.3.4:65535");
  const auto* sin = reinterpret_cast<const sockaddr_in*>(addr.getSockAddr());
  EXPECT_EQ(sin->sin_addr.s_addr, htonl(0x01020304));
  EXPECT_EQ(sin->sin_port, htons(65535));
}

TEST(InetAddressTest, NumericIpv6TextIsPrintedInCanonicalForm) {
  InetAddress addr("2001:0db8:0000:0000:0000:0000:0000:0001", 443);
  EXPECT_TRUE(addr.isIpv6());
  EXPECT_EQ(addr.toIp(), "2001:db8::1");
  EXPECT_EQ(addr.toIpPort(), "[2001:db8::1]:443");
  EXPECT_EQ(addr.port(), 443);
}

TEST(InetAddressTest, ParseAcceptsBothFamilies) {
  std::optional<InetAddress> v4 = InetAddress::parse("10.0.0.1", 9);
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->toIpPort(), "10.0.0.1:9");
  std::optional<InetAddress> v6 = InetAddress::parse("::1", 9);
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->toIpPort(), "[::1]:9");
  std::optional<InetAddress> mapped = InetAddress::parse("::ffff:1.2.3.4", 9);
  ASSERT_TRUE(mapped.has_value());
  EXPECT_TRUE(mapped->isIpv6());
}

TEST(InetAddressTest, ParseRejectsTextThatIsNotANumericAddress) {
  for (const char* garbage :
       {"", "localhost", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4",
        "::g", ":::", "1::2::3", "[::1]", "1.2.3.4:80", "example.com"}) {
    EXPECT_FALSE(InetAddress::parse(garbage, 80).has_value()) << '"' << garbage << '"';
  }
}

// Found by InetAddress_fuzzer: inet_pton and getaddrinfo stop at a NUL, so
// everything after one was silently ignored.
TEST(InetAddressTest, TextWithANulInsideIsNotAnAddress) {
  using namespace std::string_view_literals;
  EXPECT_FALSE(InetAddress::parse("127.0.0.1\0evil"sv, 80).has_value());
  EXPECT_FALSE(InetAddress::parse("::1\0"sv, 80).has_value());
  EXPECT_FALSE(InetAddress::resolve("localhost\0.example.com"sv, 80).has_value());
}

TEST(InetAddressDeathTest, ConstructingFromGarbageTextAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(InetAddress("not an ip", 80), "not a numeric IP address");
}

TEST(InetAddressTest, ResolveFindsLocalhostWithoutTheNetwork) {
  std::optional<InetAddress> addr = InetAddress::resolve("localhost", 8000);
  ASSERT_TRUE(addr.has_value());
  EXPECT_FALSE(addr->isIpv6());
  EXPECT_EQ(addr->toIp(), "127.0.0.1");
  EXPECT_EQ(addr->port(), 8000);
}

TEST(InetAddressTest, ResolveTakesNumericTextWithoutALookup) {
  std::optional<InetAddress> v4 = InetAddress::resolve("192.0.2.7", 1);
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->toIpPort(), "192.0.2.7:1");
  std::optional<InetAddress> v6 = InetAddress::resolve("::1", 2, /*ipv6=*/true);
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->toIpPort(), "[::1]:2");
}

TEST(InetAddressTest, SockaddrConstructorsKeepEveryField) {
  sockaddr_in sin = {};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(7);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(InetAddress(sin).toIpPort(), "127.0.0.1:7");

  sockaddr_in6 sin6 = {};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(8);
  sin6.sin6_addr = in6addr_loopback;
  InetAddress v6(sin6);
  EXPECT_EQ(v6.toIpPort(), "[::1]:8");

  InetAddress replaced(1);
  replaced.setSockAddrInet6(sin6);
  EXPECT_EQ(replaced, v6);
}

TEST(InetAddressTest, EqualityComparesFamilyAddressAndPort) {
  EXPECT_EQ(InetAddress("127.0.0.1", 80), InetAddress(80, /*loopbackOnly=*/true));
  EXPECT_EQ(InetAddress("::1", 80), InetAddress(80, /*loopbackOnly=*/true, /*ipv6=*/true));
  EXPECT_FALSE(InetAddress("127.0.0.1", 80) == InetAddress("127.0.0.1", 81));
  EXPECT_FALSE(InetAddress("127.0.0.1", 80) == InetAddress("127.0.0.2", 80));
  EXPECT_FALSE(InetAddress("::1", 80) == InetAddress("::2", 80));
  // The same loopback in different families is a different socket address.
  EXPECT_FALSE(InetAddress("127.0.0.1", 80) == InetAddress("::ffff:127.0.0.1", 80));
  EXPECT_FALSE(InetAddress(80) == InetAddress(80, false, /*ipv6=*/true));
}

TEST(InetAddressTest, CopiesCompareEqual) {
  const InetAddress original("2001:db8::5", 5353);
  InetAddress copy = original;
  EXPECT_EQ(copy, original);
  EXPECT_EQ(copy.toIpPort(), "[2001:db8::5]:5353");
}

}  // namespace
}  // namespace muduo::net
