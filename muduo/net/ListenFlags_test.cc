#include "muduo/net/ListenFlags.h"

#include "absl/flags/flag.h"
#include "gtest/gtest.h"

namespace muduo::net {
namespace {

// Restores --bind whatever a test set it to.
class ListenFlagsTest : public ::testing::Test {
 protected:
  ~ListenFlagsTest() override { absl::SetFlag(&FLAGS_bind, saved_); }

 private:
  const std::string saved_ = absl::GetFlag(FLAGS_bind);
};

TEST_F(ListenFlagsTest, ByDefaultAServerListensOnLoopbackOnly) {
  absl::StatusOr<InetAddress> addr = listenAddressFromFlags(9091, "port");
  ASSERT_TRUE(addr.ok()) << addr.status();
  EXPECT_EQ(addr->toIpPort(), "127.0.0.1:9091");
}

TEST_F(ListenFlagsTest, BindChoosesTheAddressIpv4OrIpv6) {
  absl::SetFlag(&FLAGS_bind, "0.0.0.0");
  EXPECT_EQ(listenAddressFromFlags(0, "port")->toIpPort(), "0.0.0.0:0");
  absl::SetFlag(&FLAGS_bind, "::1");
  EXPECT_EQ(listenAddressFromFlags(65535, "port")->toIpPort(), "[::1]:65535");
}

TEST_F(ListenFlagsTest, APortOutsideSixteenBitsIsRefusedNotTruncated) {
  for (const int64_t port : {70000, -5, 65536, -1}) {
    absl::StatusOr<InetAddress> addr = listenAddressFromFlags(port, "resp_port");
    ASSERT_FALSE(addr.ok()) << port << " gave " << addr->toIpPort();
    EXPECT_EQ(addr.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(addr.status().message(),
              "--resp_port=" + std::to_string(port) + " is not a port (0-65535)");
  }
}

TEST_F(ListenFlagsTest, ABindThatIsNotANumericAddressIsRefused) {
  absl::SetFlag(&FLAGS_bind, "localhost");
  absl::StatusOr<InetAddress> addr = listenAddressFromFlags(80, "port");
  ASSERT_FALSE(addr.ok());
  EXPECT_EQ(addr.status().message(), "--bind=localhost is not a numeric IP address");
}

}  // namespace
}  // namespace muduo::net
