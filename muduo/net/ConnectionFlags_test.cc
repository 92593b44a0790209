#include "muduo/net/ConnectionFlags.h"

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "gtest/gtest.h"

ABSL_DECLARE_FLAG(int64_t, request_timeout_ms);
ABSL_DECLARE_FLAG(int64_t, output_budget_kib);

namespace muduo::net {
namespace {

// Puts the flags back whatever a test set them to.
class ConnectionFlagsTest : public ::testing::Test {
 protected:
  ~ConnectionFlagsTest() override {
    absl::SetFlag(&FLAGS_request_timeout_ms, -1);
    absl::SetFlag(&FLAGS_output_budget_kib, -1);
  }
};

TEST_F(ConnectionFlagsTest, FlagsLeftAtMinusOneKeepTheServersDefaults) {
  ConnectionOptions defaults;
  defaults.requestTimeout = std::chrono::seconds(30);
  absl::StatusOr<ConnectionOptions> options = connectionOptionsFromFlags(defaults);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->requestTimeout, std::chrono::seconds(30));
  EXPECT_EQ(options->outputHighWaterMark, defaults.outputHighWaterMark);
}

TEST_F(ConnectionFlagsTest, ABudgetIsExactlyThatManyKibWithAQuarterAsItsLowWaterMark) {
  absl::SetFlag(&FLAGS_output_budget_kib, 4096);
  absl::StatusOr<ConnectionOptions> options = connectionOptionsFromFlags({});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->outputHighWaterMark, 4096u * 1024);
  EXPECT_EQ(options->outputLowWaterMark, 1024u * 1024);
}

TEST_F(ConnectionFlagsTest, AValueThatWouldWrapAroundIsRefusedNamingItsFlag) {
  // 2^54 KiB is 2^64 bytes: a budget of 0 once multiplied.
  absl::SetFlag(&FLAGS_output_budget_kib, int64_t{1} << 54);
  absl::StatusOr<ConnectionOptions> options = connectionOptionsFromFlags({});
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.status().message(),
            "--output_budget_kib=18014398509481984 is out of range (-1 to 1073741824)");
  absl::SetFlag(&FLAGS_output_budget_kib, -1);
  absl::SetFlag(&FLAGS_request_timeout_ms, -2);
  EXPECT_EQ(connectionOptionsFromFlags({}).status().message(),
            "--request_timeout_ms=-2 is out of range (-1 to 315360000000)");
}

}  // namespace
}  // namespace muduo::net
