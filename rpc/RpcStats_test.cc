#include "rpc/RpcStats.h"

#include <string>

#include "gtest/gtest.h"

namespace muduo::rpc {
namespace {

TEST(RpcStatsTest, CountsCallsErrorsAndLatencyPerMethodSortedByName) {
  RpcStats stats;
  RpcStats::Entry* echo = stats.entryFor("muduo.echo.EchoService", "Echo");
  EXPECT_EQ(stats.entryFor("muduo.echo.EchoService", "Echo"), echo);
  stats.record(echo, true, std::chrono::microseconds(10));
  stats.record(echo, false, std::chrono::microseconds(30));
  stats.record(stats.entryFor("a.A", "M"), true, std::chrono::microseconds(1));
  const auto snapshot = stats.snapshot();
  ASSERT_EQ(snapshot.size(), 2u);
  EXPECT_EQ(snapshot[0].first, "a.A.M");
  EXPECT_EQ(snapshot[1].first, "muduo.echo.EchoService.Echo");
  EXPECT_EQ(snapshot[1].second.calls, 2);
  EXPECT_EQ(snapshot[1].second.errors, 1);
  EXPECT_EQ(snapshot[1].second.latencyNs.max(), 30000);
}

TEST(RpcStatsTest, GarbageMethodNamesShareOneSlotPastTheBound) {
  RpcStats stats;
  for (size_t i = 0; i < RpcStats::kMaxEntries + 50; ++i) {
    stats.record(stats.entryFor("s", "m" + std::to_string(i)), false, std::chrono::nanoseconds(1));
  }
  const auto snapshot = stats.snapshot();
  EXPECT_EQ(snapshot.size(), RpcStats::kMaxEntries + 1);
}

TEST(RpcStatsTest, TracksOpenConnections) {
  RpcStats stats;
  stats.connectionOpened();
  stats.connectionOpened();
  stats.connectionClosed();
  EXPECT_EQ(stats.connections(), 1);
  EXPECT_GE(stats.uptime().count(), 0);
}

}  // namespace
}  // namespace muduo::rpc
