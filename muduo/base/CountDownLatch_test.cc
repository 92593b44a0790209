#include "muduo/base/CountDownLatch.h"

#include <chrono>
#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/TestUtil.h"
#include "muduo/base/Thread.h"

namespace muduo {
namespace {

using std::chrono_literals::operator""ms;
using test::waitOrAbort;

TEST(CountDownLatchTest, WaitReturnsOnceOtherThreadsCountDownToZero) {
  constexpr int kCounters = 3;
  CountDownLatch latch(kCounters);
  CountDownLatch waiterReturned(1);
  Thread waiter([&] {
    latch.wait();
    waiterReturned.countDown();
  });
  waiter.start();

  std::vector<std::unique_ptr<Thread>> counters;
  for (int i = 0; i < kCounters; ++i) {
    counters.push_back(std::make_unique<Thread>([&latch] { latch.countDown(); }));
    counters.back()->start();
  }
  waitOrAbort(waiterReturned, "wait() to return after the count reached zero");
  EXPECT_EQ(latch.count(), 0);
  for (auto& counter : counters) counter->join();
  waiter.join();
}

TEST(CountDownLatchTest, WaitForTimesOutWhileTheCountIsAboveZero) {
  CountDownLatch latch(1);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(latch.waitFor(20ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
  EXPECT_EQ(latch.count(), 1);
}

TEST(CountDownLatchTest, WaitForSucceedsAtOnceAtZero) {
  CountDownLatch latch(1);
  latch.countDown();
  EXPECT_TRUE(latch.waitFor(0ms));
  CountDownLatch zero(0);
  EXPECT_TRUE(zero.waitFor(0ms));
  zero.wait();  // returns at once
}

TEST(CountDownLatchTest, CountReportsWhatIsLeftAndStopsAtZero) {
  CountDownLatch latch(2);
  EXPECT_EQ(latch.count(), 2);
  latch.countDown();
  EXPECT_EQ(latch.count(), 1);
  latch.countDown();
  EXPECT_EQ(latch.count(), 0);
  latch.countDown();
  EXPECT_EQ(latch.count(), 0);
}

}  // namespace
}  // namespace muduo
