#include "tools/conn_scale/ConnScale.h"

#include "gtest/gtest.h"

namespace connscale {
namespace {

TEST(ConnScaleTest, HoldsEveryConnectionAndMeasuresTheServerGrowth) {
  Options options;
  options.connections = 300;
  options.sourceAddresses = 2;
  options.timeout = std::chrono::seconds(30);
  const auto result = runConnScale(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->connections, 300);
  EXPECT_GT(result->rssBefore, 0);
  EXPECT_GE(result->rssAfter, result->rssBefore);
}

}  // namespace
}  // namespace connscale
