#include "muduo/net/HostPort.h"

#include "gtest/gtest.h"

namespace muduo::net {
namespace {

TEST(HostPortTest, ANameADottedAddressAndABracketedV6AddressAreEachSplitOnTheirLastColon) {
  absl::StatusOr<HostPort> name = HostPort::parse("localhost:9091");
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(name->host(), "localhost");
  EXPECT_EQ(name->port(), 9091);
  EXPECT_FALSE(name->ipv6());

  absl::StatusOr<HostPort> v4 = HostPort::parse("10.0.0.7:80");
  ASSERT_TRUE(v4.ok()) << v4.status();
  EXPECT_EQ(v4->host(), "10.0.0.7");

  absl::StatusOr<HostPort> v6 = HostPort::parse("[::1]:65535");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->host(), "::1");
  EXPECT_EQ(v6->port(), 65535);
  EXPECT_TRUE(v6->ipv6());
  EXPECT_EQ(v6->toString(), "[::1]:65535");
}

TEST(HostPortTest, EachMistakeIsRefusedWithAReasonThatQuotesTheInput) {
  const struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"", "\"\" is not host:port: no ':port'"},
      {"localhost", "\"localhost\" is not host:port: no ':port'"},
      {":9091", "\":9091\" is not host:port: the host is empty"},
      {"[]:9091", "\"[]:9091\" is not host:port: the host is empty"},
      {"host:", "\"host:\" is not host:port: the port is empty"},
      {"host:0", "\"host:0\" is not host:port: port 0 names no peer"},
      {"host:65536", "\"host:65536\" is not host:port: the port is not a number from 1 to 65535"},
      {"host:99999999999999999999",
       "\"host:99999999999999999999\" is not host:port: the port is not a number from 1 to 65535"},
      {"host:80abc", "\"host:80abc\" is not host:port: the port is not a number from 1 to 65535"},
      {"host:+80", "\"host:+80\" is not host:port: the port is not a number from 1 to 65535"},
      {"host: 80", "\"host: 80\" is not host:port: the port is not a number from 1 to 65535"},
      {"::1:80", "\"::1:80\" is not host:port: an IPv6 address needs brackets, as in [::1]:9091"},
      {"[::1:80", "\"[::1:80\" is not host:port: no ']' after the IPv6 address"},
      {"[::1]80", "\"[::1]80\" is not host:port: no ':port' after the ']'"},
      {"[localhost]:80",
       "\"[localhost]:80\" is not host:port: not an IPv6 address in the brackets"},
      {"[127.0.0.1]:80",
       "\"[127.0.0.1]:80\" is not host:port: not an IPv6 address in the brackets"},
      {"bad host:80",
       "\"bad host:80\" is not host:port: the host has a character no host name has"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<HostPort> parsed = HostPort::parse(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text << " gave " << parsed->toString();
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message(), c.message);
  }
  absl::StatusOr<HostPort> nul = HostPort::parse(std::string_view("a\0b:80", 6));
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.status().message(),
            "\"a\\000b:80\" is not host:port: the host has a character no host name has");
}

TEST(HostPortTest, PortZeroIsAcceptedOnlyWhereTheCallerAllowsIt) {
  EXPECT_FALSE(HostPort::parse("127.0.0.1:0").ok());
  absl::StatusOr<HostPort> any = HostPort::parse("127.0.0.1:0", HostPort::ZeroPort::kAllow);
  ASSERT_TRUE(any.ok()) << any.status();
  EXPECT_EQ(any->port(), 0);
}

TEST(HostPortTest, ResolveGivesTheAddressOfANumericHostWithoutALookup) {
  absl::StatusOr<InetAddress> v4 = HostPort::resolve("127.0.0.1:9091");
  ASSERT_TRUE(v4.ok()) << v4.status();
  EXPECT_EQ(v4->toIpPort(), "127.0.0.1:9091");
  absl::StatusOr<InetAddress> v6 = HostPort::resolve("[::1]:80");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->toIpPort(), "[::1]:80");
  EXPECT_EQ(HostPort::resolve("127.0.0.1:x").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace muduo::net
