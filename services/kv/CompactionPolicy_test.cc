#include "services/kv/CompactionPolicy.h"

#include <gtest/gtest.h>

namespace muduo::kv {
namespace {

TEST(CompactionPolicyTest, SmallLogsAreNeverDueHoweverLittleIsLive) {
  const CompactionPolicy policy(/*minBytes=*/1000, /*ratio=*/2.0);
  EXPECT_FALSE(policy.due(999, 0));
  EXPECT_TRUE(policy.due(1000, 0));
}

TEST(CompactionPolicyTest, LogsAreDueOnlyOnceTheyHoldRatioTimesTheLiveData) {
  const CompactionPolicy policy(/*minBytes=*/1000, /*ratio=*/2.0);
  EXPECT_FALSE(policy.due(1999, 1000));
  EXPECT_TRUE(policy.due(2000, 1000));
  EXPECT_FALSE(policy.due(10000, 5001));
}

TEST(CompactionPolicyTest, AFailedCompactionWaitsForTheLogToDouble) {
  CompactionPolicy policy(/*minBytes=*/1000, /*ratio=*/1.5);
  ASSERT_TRUE(policy.due(4000, 100));
  policy.failed(4000);
  EXPECT_FALSE(policy.due(4000, 100));
  EXPECT_FALSE(policy.due(7999, 100));
  EXPECT_TRUE(policy.due(8000, 100));
}

TEST(CompactionPolicyTest, TheBackoffDoesNotOverrideTheRatio) {
  CompactionPolicy policy(/*minBytes=*/1000, /*ratio=*/2.0);
  policy.failed(1000);
  EXPECT_FALSE(policy.due(2000, 1001)) << "past the retry point but under 2x live data";
  EXPECT_TRUE(policy.due(2002, 1001));
}

TEST(CompactionPolicyTest, AHugeFloorTurnsCompactionOff) {
  const CompactionPolicy policy(/*minBytes=*/UINT64_MAX, /*ratio=*/0.0);
  EXPECT_FALSE(policy.due(UINT64_MAX - 1, 0));
}

}  // namespace
}  // namespace muduo::kv
