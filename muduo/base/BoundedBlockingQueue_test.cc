#include "muduo/base/BoundedBlockingQueue.h"

#include <algorithm>
#include <atomic>
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
using ::testing::Optional;

TEST(BoundedBlockingQueueTest, TakeReturnsItemsInTheOrderTheyWerePut) {
  BoundedBlockingQueue<int> queue(3);
  EXPECT_EQ(queue.capacity(), 3u);
  for (int round = 0; round < 3; ++round) {  // wraps around the storage
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(queue.put(round * 10 + i));
    for (int i = 0; i < 3; ++i) EXPECT_THAT(queue.take(), Optional(round * 10 + i));
  }
}

TEST(BoundedBlockingQueueTest, PutBlocksWhileFullUntilATakeMakesRoom) {
  BoundedBlockingQueue<int> queue(2);
  ASSERT_TRUE(queue.put(1));
  ASSERT_TRUE(queue.put(2));

  std::atomic<int> putsReturned{0};
  std::atomic<bool> putResult{false};
  CountDownLatch putting(1);
  CountDownLatch returned(1);
  Thread producer([&] {
    putting.countDown();
    putResult = queue.put(3);
    putsReturned.fetch_add(1);
    returned.countDown();
  });
  producer.start();
  waitOrAbort(putting, "the producer to start");
  EXPECT_FALSE(returned.waitFor(kBlockedProbe)) << "put() returned on a full queue";
  EXPECT_EQ(putsReturned.load(), 0);
  EXPECT_EQ(queue.size(), 2u);

  EXPECT_THAT(queue.take(), Optional(1));
  waitOrAbort(returned, "take() to release the blocked producer");
  producer.join();
  EXPECT_EQ(putsReturned.load(), 1);
  EXPECT_TRUE(putResult.load());
  EXPECT_THAT(queue.take(), Optional(2));
  EXPECT_THAT(queue.take(), Optional(3));
}

TEST(BoundedBlockingQueueTest, TryPutFailsAtOnceWhenFullAndLeavesTheItemWithTheCaller) {
  BoundedBlockingQueue<std::string> queue(1);
  ASSERT_TRUE(queue.tryPut("first"));
  std::string second = "second";
  EXPECT_FALSE(queue.tryPut(std::move(second)));
  EXPECT_EQ(second, "second");  // NOLINT(bugprone-use-after-move): a failed put must not consume it
  EXPECT_EQ(queue.size(), 1u);

  EXPECT_THAT(queue.take(), Optional(std::string("first")));
  EXPECT_TRUE(queue.tryPut(std::move(second)));
  EXPECT_THAT(queue.take(), Optional(std::string("second")));
}

TEST(BoundedBlockingQueueTest, CloseWakesABlockedProducerWhosePutFails) {
  BoundedBlockingQueue<int> queue(1);
  ASSERT_TRUE(queue.put(1));
  std::atomic<bool> putResult{true};
  CountDownLatch putting(1);
  CountDownLatch returned(1);
  Thread producer([&] {
    putting.countDown();
    putResult = queue.put(2);
    returned.countDown();
  });
  producer.start();
  waitOrAbort(putting, "the producer to start");
  EXPECT_FALSE(returned.waitFor(kBlockedProbe)) << "put() returned on a full queue";

  queue.close();
  waitOrAbort(returned, "close() to wake the blocked producer");
  producer.join();
  EXPECT_FALSE(putResult.load());
  // The item queued before close() is still delivered; the rejected one is not.
  EXPECT_THAT(queue.take(), Optional(1));
  EXPECT_EQ(queue.take(), std::nullopt);
}

TEST(BoundedBlockingQueueTest, CloseWakesABlockedConsumer) {
  BoundedBlockingQueue<int> queue(1);
  std::optional<int> result = 0;
  CountDownLatch taking(1);
  CountDownLatch returned(1);
  Thread consumer([&] {
    taking.countDown();
    result = queue.take();
    returned.countDown();
  });
  consumer.start();
  waitOrAbort(taking, "the consumer to start");
  EXPECT_FALSE(returned.waitFor(kBlockedProbe)) << "take() returned from an empty open queue";

  queue.close();
  waitOrAbort(returned, "close() to wake the blocked consumer");
  consumer.join();
  EXPECT_EQ(result, std::nullopt);
  EXPECT_FALSE(queue.put(1));
  EXPECT_FALSE(queue.tryPut(1));
}

TEST(BoundedBlockingQueueTest, TakeForGivesUpAfterTheTimeoutOnAnEmptyQueue) {
  BoundedBlockingQueue<int> queue(1);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(queue.takeFor(20ms), std::nullopt);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
}

TEST(BoundedBlockingQueueTest, ManyProducersAndConsumersStayWithinCapacityAndLoseNothing) {
  constexpr size_t kCapacity = 4;
  constexpr int kProducers = 4;
  constexpr int kConsumers = 3;
  constexpr int kItemsPerProducer = 5000;
  constexpr int kItems = kProducers * kItemsPerProducer;
  BoundedBlockingQueue<int> queue(kCapacity);

  // Sampled right after each put, when the queue is likeliest to be fullest.
  std::atomic<size_t> largestSize{0};
  Mutex mutex;
  std::vector<int> timesSeen(kItems, 0);  // guarded by mutex
  CountDownLatch consumersDone(kConsumers);
  std::vector<std::unique_ptr<Thread>> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.push_back(std::make_unique<Thread>([&] {
      std::vector<int> mine;
      while (std::optional<int> item = queue.take()) mine.push_back(*item);
      MutexLock lock(&mutex);
      for (int item : mine) ++timesSeen[static_cast<size_t>(item)];
      consumersDone.countDown();
    }));
    consumers.back()->start();
  }

  std::vector<std::unique_ptr<Thread>> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.push_back(std::make_unique<Thread>([&, p] {
      for (int i = 0; i < kItemsPerProducer; ++i) {
        ASSERT_TRUE(queue.put(p * kItemsPerProducer + i));
        const size_t size = queue.size();
        size_t largest = largestSize.load();
        while (size > largest && !largestSize.compare_exchange_weak(largest, size)) {
        }
      }
    }));
    producers.back()->start();
  }
  for (auto& producer : producers) producer->join();
  queue.close();
  waitOrAbort(consumersDone, "consumers to drain the closed queue");
  for (auto& consumer : consumers) consumer->join();

  EXPECT_LE(largestSize.load(), kCapacity);
  EXPECT_GE(largestSize.load(), 1u);
  MutexLock lock(&mutex);
  for (int i = 0; i < kItems; ++i) {
    ASSERT_EQ(timesSeen[static_cast<size_t>(i)], 1) << "item " << i;
  }
}

}  // namespace
}  // namespace muduo
