#include "rpc/RpcStats.h"

#include <string>

#include "gtest/gtest.h"
#include "rpc/compiler/testdata/test.rpc.h"

namespace muduo::rpc {
namespace {

// A service of rpc/compiler/testdata/test.proto, found through its messages'
// descriptor: naming them keeps test.pb.cc, and so test.proto's entry in the
// generated pool, in the linked test.
const std::string kService =
    test::EchoRequest::descriptor()->file()->FindServiceByName("TestService")->full_name();

TEST(RpcStatsTest, CountsCallsErrorsAndLatencyPerMethodSortedByName) {
  RpcStats stats;
  RpcStats::Entry* echo = stats.entryFor(kService, "Echo");
  EXPECT_EQ(stats.entryFor(kService, "Echo"), echo);
  stats.record(echo, true, std::chrono::microseconds(10));
  stats.record(echo, false, std::chrono::microseconds(30));
  stats.record(stats.entryFor(kService, "Mark"), true, std::chrono::microseconds(1));
  const auto snapshot = stats.snapshot();
  ASSERT_EQ(snapshot.size(), 2u);
  EXPECT_EQ(snapshot[0].first, "muduo.rpc.test.TestService.Echo");
  EXPECT_EQ(snapshot[1].first, "muduo.rpc.test.TestService.Mark");
  EXPECT_EQ(snapshot[0].second.calls, 2);
  EXPECT_EQ(snapshot[0].second.errors, 1);
  EXPECT_EQ(snapshot[0].second.latencyNs.max(), 30000);
}

TEST(RpcStatsTest, ThousandsOfUnknownMethodNamesShareOneRow) {
  RpcStats stats;
  for (int i = 0; i < 5000; ++i) {
    stats.record(stats.entryFor(kService, "m" + std::to_string(i)), false,
                 std::chrono::nanoseconds(1));
    stats.record(stats.entryFor("no.such.Service" + std::to_string(i), "Echo"), false,
                 std::chrono::nanoseconds(1));
  }
  stats.record(stats.entryFor(kService, "Echo"), true, std::chrono::nanoseconds(1));
  const auto snapshot = stats.snapshot();
  ASSERT_EQ(snapshot.size(), 2u);
  EXPECT_EQ(snapshot[0].first, RpcStats::kUnknownMethod);
  EXPECT_EQ(snapshot[0].second.calls, 10000);
  EXPECT_EQ(snapshot[0].second.errors, 10000);
  EXPECT_EQ(snapshot[1].first, "muduo.rpc.test.TestService.Echo");
}

TEST(RpcStatsTest, AMethodNameWithMarkupOrNewlinesIsNeverStored) {
  RpcStats stats;
  stats.entryFor(kService, "<script>alert(1)</script>");
  stats.entryFor(kService, "Echo\"} 1\nfake_metric 1\n");
  stats.entryFor(std::string(kService) + ".Echo\n", "Echo");
  const auto snapshot = stats.snapshot();
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0].first, RpcStats::kUnknownMethod);
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
