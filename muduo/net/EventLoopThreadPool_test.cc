#include "muduo/net/EventLoopThreadPool.h"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/CurrentThread.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/EventLoop.h"

namespace muduo::net {
namespace {

using namespace std::chrono_literals;

// The tid of the thread running `loop`, asked of the loop itself.
int loopThreadTid(EventLoop* loop) {
  auto tid = std::make_shared<std::atomic<int>>(0);
  auto done = std::make_shared<CountDownLatch>(1);
  loop->runInLoop([tid, done] {
    tid->store(CurrentThread::tid());
    done->countDown();
  });
  EXPECT_TRUE(done->waitFor(5s));
  return tid->load();
}

TEST(EventLoopThreadPoolTest, WithZeroThreadsEveryCallReturnsTheBaseLoop) {
  EventLoop base;
  EventLoopThreadPool pool(&base, "zero");
  std::vector<EventLoop*> initialised;
  pool.start([&initialised](EventLoop* loop) { initialised.push_back(loop); });
  EXPECT_TRUE(pool.started());
  EXPECT_EQ(initialised, std::vector<EventLoop*>{&base});
  EXPECT_EQ(pool.getNextLoop(), &base);
  EXPECT_EQ(pool.getNextLoop(), &base);
  EXPECT_EQ(pool.getLoopForHash(12345), &base);
  EXPECT_EQ(pool.getAllLoops(), std::vector<EventLoop*>{&base});
}

TEST(EventLoopThreadPoolTest, KeepsItsName) {
  EventLoop base;
  EventLoopThreadPool pool(&base, "io");
  EXPECT_EQ(pool.name(), "io");
  EXPECT_FALSE(pool.started());
}

TEST(EventLoopThreadPoolTest, EachLoopRunsInItsOwnThreadApartFromTheBase) {
  constexpr int kThreads = 3;
  EventLoop base;
  EventLoopThreadPool pool(&base, "pool");
  pool.setThreadNum(kThreads);
  pool.start();
  const std::vector<EventLoop*> loops = pool.getAllLoops();
  ASSERT_EQ(loops.size(), static_cast<size_t>(kThreads));
  std::set<EventLoop*> distinctLoops(loops.begin(), loops.end());
  EXPECT_EQ(distinctLoops.size(), loops.size());
  EXPECT_EQ(distinctLoops.count(&base), 0u);
  std::set<int> tids;
  for (EventLoop* loop : loops) tids.insert(loopThreadTid(loop));
  EXPECT_EQ(tids.size(), loops.size());
  EXPECT_EQ(tids.count(CurrentThread::tid()), 0u);
}

TEST(EventLoopThreadPoolTest, GetNextLoopGoesRoundRobinInStartOrder) {
  constexpr int kThreads = 3;
  EventLoop base;
  EventLoopThreadPool pool(&base, "rr");
  pool.setThreadNum(kThreads);
  pool.start();
  const std::vector<EventLoop*> loops = pool.getAllLoops();
  ASSERT_EQ(loops.size(), static_cast<size_t>(kThreads));
  for (int i = 0; i < 3 * kThreads; ++i) {
    EXPECT_EQ(pool.getNextLoop(), loops[static_cast<size_t>(i % kThreads)]) << "call " << i;
  }
}

TEST(EventLoopThreadPoolTest, GetLoopForHashIsStableAndSpreadsOverAllLoops) {
  constexpr int kThreads = 4;
  EventLoop base;
  EventLoopThreadPool pool(&base, "hash");
  pool.setThreadNum(kThreads);
  pool.start();
  std::map<size_t, EventLoop*> first;
  std::set<EventLoop*> used;
  for (size_t hash = 0; hash < 64; ++hash) {
    first[hash] = pool.getLoopForHash(hash);
    used.insert(first[hash]);
  }
  pool.getNextLoop();  // round-robin state must not affect hashing
  for (size_t hash = 0; hash < 64; ++hash) {
    EXPECT_EQ(pool.getLoopForHash(hash), first[hash]) << "hash " << hash;
  }
  EXPECT_EQ(used.size(), static_cast<size_t>(kThreads));
  EXPECT_EQ(used.count(&base), 0u);
}

TEST(EventLoopThreadPoolTest, InitCallbackRunsOncePerLoopInThatLoopsThread) {
  constexpr int kThreads = 3;
  EventLoop base;
  EventLoopThreadPool pool(&base, "init");
  pool.setThreadNum(kThreads);
  Mutex mutex;
  std::map<EventLoop*, int> calls;
  std::map<EventLoop*, int> tidOf;
  pool.start([&](EventLoop* loop) {
    MutexLock lock(&mutex);
    ++calls[loop];
    tidOf[loop] = CurrentThread::tid();
  });
  MutexLock lock(&mutex);
  ASSERT_EQ(calls.size(), static_cast<size_t>(kThreads));
  for (EventLoop* loop : pool.getAllLoops()) {
    EXPECT_EQ(calls[loop], 1);
    EXPECT_EQ(tidOf[loop], loopThreadTid(loop));
  }
}

TEST(EventLoopThreadPoolTest, LoopsServeWorkUntilThePoolIsDestroyed) {
  constexpr int kThreads = 2;
  constexpr int kTasks = 100;
  CountDownLatch done(kTasks);
  {
    EventLoop base;
    EventLoopThreadPool pool(&base, "work");
    pool.setThreadNum(kThreads);
    pool.start();
    for (int i = 0; i < kTasks; ++i) {
      pool.getNextLoop()->queueInLoop([&done] { done.countDown(); });
    }
    EXPECT_TRUE(done.waitFor(5s));
  }  // joins every loop thread
  EXPECT_EQ(done.count(), 0);
}

}  // namespace
}  // namespace muduo::net
