#include "rpc/RpcStats.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

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

TEST(RpcStatsTest, CountsFromManyThreadsAreMergedWhileTheyRecord) {
  RpcStats stats;
  RpcStats::Entry* echo = stats.entryFor(kService, "Echo");
  RpcStats::Entry* mark = stats.entryFor(kService, "Mark");
  constexpr int kThreads = 4;
  constexpr int kCalls = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&stats, echo, mark, t] {
      for (int i = 0; i < kCalls; ++i) {
        stats.record(i % 2 == 0 ? echo : mark, i % 10 != 0, std::chrono::microseconds(t + 1));
      }
    });
  }
  // Read while they write: each thread's counts are its own, merged here.
  for (int i = 0; i < 20; ++i) {
    for (const auto& [name, row] : stats.snapshot()) {
      EXPECT_LE(row.calls, kThreads * kCalls / 2) << name;
    }
  }
  for (auto& thread : threads) thread.join();
  const auto snapshot = stats.snapshot();
  ASSERT_EQ(snapshot.size(), 2u);
  for (const auto& [name, row] : snapshot) {
    EXPECT_EQ(row.calls, kThreads * kCalls / 2) << name;
    EXPECT_EQ(row.latencyNs.count(), kThreads * kCalls / 2) << name;
    EXPECT_EQ(row.latencyNs.max(), kThreads * 1000) << name;
  }
  EXPECT_EQ(snapshot[0].second.errors + snapshot[1].second.errors, kThreads * kCalls / 10);
}

TEST(RpcStatsTest, AThreadRecordingForManyStatsKeepsEachCountApart) {
  // More RpcStats than a thread remembers shards for, used in turn.
  std::vector<std::unique_ptr<RpcStats>> all;
  for (int i = 0; i < 9; ++i) all.push_back(std::make_unique<RpcStats>());
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < all.size(); ++i) {
      for (size_t n = 0; n <= i; ++n) {
        all[i]->record(all[i]->entryFor(kService, "Echo"), true, std::chrono::nanoseconds(1));
      }
    }
  }
  for (size_t i = 0; i < all.size(); ++i) {
    const auto snapshot = all[i]->snapshot();
    ASSERT_EQ(snapshot.size(), 1u);
    EXPECT_EQ(snapshot[0].second.calls, static_cast<int64_t>(3 * (i + 1)));
  }
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
