#include "muduo/base/BlockingQueue.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/Mutex.h"
#include "muduo/base/TestUtil.h"
#include "muduo/base/Thread.h"

namespace muduo {
namespace {

using std::chrono_literals::operator""ms;
using test::kBlockedProbe;
using test::waitOrAbort;
using ::testing::ElementsAre;
using ::testing::Optional;

TEST(BlockingQueueTest, TakeReturnsItemsInTheOrderTheyWerePut) {
  BlockingQueue<int> queue;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue.put(i));
  EXPECT_EQ(queue.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_THAT(queue.take(), Optional(i));
  EXPECT_EQ(queue.size(), 0u);
}

TEST(BlockingQueueTest, CarriesMoveOnlyItems) {
  BlockingQueue<std::unique_ptr<int>> queue;
  ASSERT_TRUE(queue.put(std::make_unique<int>(42)));
  std::optional<std::unique_ptr<int>> item = queue.take();
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(**item, 42);
}

TEST(BlockingQueueTest, ManyProducersAndConsumersReceiveEveryItemExactlyOnce) {
  constexpr int kProducers = 4;
  constexpr int kConsumers = 4;
  constexpr int kItemsPerProducer = 10000;
  constexpr int kItems = kProducers * kItemsPerProducer;
  BlockingQueue<int> queue;

  Mutex mutex;
  std::vector<int> timesSeen(kItems, 0);  // guarded by mutex
  int64_t sum = 0;                        // guarded by mutex
  CountDownLatch consumersDone(kConsumers);
  std::vector<std::unique_ptr<Thread>> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.push_back(std::make_unique<Thread>([&] {
      std::vector<int> mine;
      while (std::optional<int> item = queue.take()) mine.push_back(*item);
      MutexLock lock(&mutex);
      for (int item : mine) {
        ++timesSeen[static_cast<size_t>(item)];
        sum += item;
      }
      consumersDone.countDown();
    }));
    consumers.back()->start();
  }

  std::vector<std::unique_ptr<Thread>> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.push_back(std::make_unique<Thread>([&queue, p] {
      for (int i = 0; i < kItemsPerProducer; ++i) {
        ASSERT_TRUE(queue.put(p * kItemsPerProducer + i));
      }
    }));
    producers.back()->start();
  }
  for (auto& producer : producers) producer->join();
  queue.close();
  waitOrAbort(consumersDone, "consumers to drain the closed queue");
  for (auto& consumer : consumers) consumer->join();

  MutexLock lock(&mutex);
  EXPECT_EQ(sum, int64_t{kItems} * (kItems - 1) / 2);
  for (int i = 0; i < kItems; ++i) {
    ASSERT_EQ(timesSeen[static_cast<size_t>(i)], 1) << "item " << i;
  }
}

TEST(BlockingQueueTest, TakeBlocksOnAnEmptyQueueUntilCloseWakesIt) {
  BlockingQueue<int> queue;
  CountDownLatch taking(1);
  CountDownLatch returned(1);
  std::optional<int> result = 0;
  Thread taker([&] {
    taking.countDown();
    result = queue.take();
    returned.countDown();
  });
  taker.start();
  waitOrAbort(taking, "the taker to start");
  EXPECT_FALSE(returned.waitFor(kBlockedProbe)) << "take() returned from an empty open queue";

  queue.close();
  waitOrAbort(returned, "close() to wake the blocked taker");
  taker.join();
  EXPECT_EQ(result, std::nullopt);
}

TEST(BlockingQueueTest, TakeDrainsQueuedItemsAfterClose) {
  BlockingQueue<std::string> queue;
  ASSERT_TRUE(queue.put("a"));
  ASSERT_TRUE(queue.put("b"));
  queue.close();
  EXPECT_TRUE(queue.closed());

  std::vector<std::string> drained;
  while (std::optional<std::string> item = queue.take()) drained.push_back(*item);
  EXPECT_THAT(drained, ElementsAre("a", "b"));
  EXPECT_EQ(queue.take(), std::nullopt);
}

TEST(BlockingQueueTest, PutAfterCloseFailsAndLeavesTheItemWithTheCaller) {
  BlockingQueue<std::string> queue;
  EXPECT_FALSE(queue.closed());
  queue.close();
  queue.close();  // idempotent

  const std::string copied = "copied";
  EXPECT_FALSE(queue.put(copied));
  std::string moved = "moved";
  EXPECT_FALSE(queue.put(std::move(moved)));
  EXPECT_EQ(moved, "moved");  // NOLINT(bugprone-use-after-move): a failed put must not consume it
  EXPECT_EQ(queue.size(), 0u);
}

TEST(BlockingQueueTest, TakeForGivesUpAfterTheTimeoutOnAnEmptyQueue) {
  BlockingQueue<int> queue;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(queue.takeFor(20ms), std::nullopt);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
}

TEST(BlockingQueueTest, TakeForReturnsAQueuedItemAtOnce) {
  BlockingQueue<int> queue;
  ASSERT_TRUE(queue.put(7));
  EXPECT_THAT(queue.takeFor(test::kTimeout), Optional(7));
}

}  // namespace
}  // namespace muduo
