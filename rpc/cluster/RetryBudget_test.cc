#include "rpc/cluster/RetryBudget.h"

#include "gtest/gtest.h"

namespace muduo::rpc::cluster {
namespace {

TEST(RetryBudgetTest, AFullOutageStopsRetriesAfterHalfTheTokens) {
  RetryBudget budget(10, 0.1);
  int retries = 0;
  for (int call = 0; call < 1000; ++call) {
    budget.onFailure();  // the first attempt
    if (budget.allowRetry()) {
      ++retries;
      budget.onFailure();  // the retry fails too
    }
  }
  EXPECT_LE(retries, 3) << "tokens 10 -> 5 in failures of first attempts and retries";
  EXPECT_EQ(budget.tokens(), 0);
}

TEST(RetryBudgetTest, SuccessesRefillTheBucketUpToItsSize) {
  RetryBudget budget(10, 0.1);
  for (int i = 0; i < 10; ++i) budget.onFailure();
  EXPECT_FALSE(budget.allowRetry());
  for (int i = 0; i < 51; ++i) budget.onSuccess();
  EXPECT_TRUE(budget.allowRetry());
  for (int i = 0; i < 1000; ++i) budget.onSuccess();
  EXPECT_EQ(budget.tokens(), 10);
}

TEST(RetryBudgetTest, OccasionalFailuresAmongSuccessesKeepRetriesAllowed) {
  RetryBudget budget(10, 0.1);
  for (int i = 0; i < 10000; ++i) {
    if (i % 20 == 0) {
      budget.onFailure();  // 5% of attempts fail
    } else {
      budget.onSuccess();
    }
    EXPECT_TRUE(budget.allowRetry()) << "at attempt " << i;
  }
}

}  // namespace
}  // namespace muduo::rpc::cluster
