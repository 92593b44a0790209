#include "muduo/net/EventLoopThread.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/CurrentThread.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/EventLoop.h"

namespace muduo::net {
namespace {

using namespace std::chrono_literals;

// Runs `fn` in the loop's thread and waits (bounded) until it has run.
template <typename Fn>
bool runAndWait(EventLoop* loop, Fn fn) {
  auto done = std::make_shared<CountDownLatch>(1);
  loop->runInLoop([fn = std::move(fn), done]() mutable {
    fn();
    done->countDown();
  });
  return done->waitFor(5s);
}

// Counts its own destruction, to see when the loop holding it is destroyed.
struct DestructionCounter {
  explicit DestructionCounter(std::atomic<int>* count) : count(count) {}
  ~DestructionCounter() { count->fetch_add(1); }
  std::atomic<int>* count;
};

TEST(EventLoopThreadTest, StartLoopReturnsALoopRunningInAnotherThread) {
  EventLoopThread thread;
  EventLoop* loop = thread.startLoop();
  ASSERT_NE(loop, nullptr);
  EXPECT_FALSE(loop->isInLoopThread());
  int loopTid = 0;
  EventLoop* current = nullptr;
  ASSERT_TRUE(runAndWait(loop, [&] {
    loopTid = CurrentThread::tid();
    current = EventLoop::getEventLoopOfCurrentThread();
  }));
  EXPECT_NE(loopTid, CurrentThread::tid());
  EXPECT_EQ(current, loop);
}

TEST(EventLoopThreadTest, ThreadTakesTheGivenName) {
  EventLoopThread thread(EventLoopThread::ThreadInitCallback(), "io-loop");
  EventLoop* loop = thread.startLoop();
  std::string name;
  ASSERT_TRUE(runAndWait(loop, [&name] { name = CurrentThread::name(); }));
  EXPECT_EQ(name, "io-loop");
}

TEST(EventLoopThreadTest, InitCallbackRunsOnceInTheNewThreadBeforeTheLoopIsReturned) {
  int calls = 0;
  EventLoop* seenLoop = nullptr;
  int seenTid = 0;
  // startLoop() returns only after the callback, so no lock is needed to read these.
  EventLoopThread thread([&](EventLoop* loop) {
    ++calls;
    seenLoop = loop;
    seenTid = CurrentThread::tid();
  });
  EventLoop* loop = thread.startLoop();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seenLoop, loop);
  int loopTid = 0;
  ASSERT_TRUE(runAndWait(loop, [&loopTid] { loopTid = CurrentThread::tid(); }));
  EXPECT_EQ(seenTid, loopTid);
}

TEST(EventLoopThreadTest, LoopRunsTimersAndFunctorsFromTheOwner) {
  EventLoopThread thread;
  EventLoop* loop = thread.startLoop();
  CountDownLatch fired(2);
  loop->runAfter(1ms, [&fired] { fired.countDown(); });
  loop->queueInLoop([&fired] { fired.countDown(); });
  EXPECT_TRUE(fired.waitFor(5s));
}

TEST(EventLoopThreadTest, DestructorQuitsTheLoopAndWaitsForItsThread) {
  std::atomic<int> destroyed{0};
  {
    EventLoopThread thread([&destroyed](EventLoop* loop) {
      // Destroyed with the loop, at the end of the loop thread.
      loop->setContext(std::make_shared<DestructionCounter>(&destroyed));
    });
    thread.startLoop();
    EXPECT_EQ(destroyed.load(), 0);
  }
  // Had the destructor not joined, the loop thread could still be running.
  EXPECT_EQ(destroyed.load(), 1);
}

TEST(EventLoopThreadTest, DestructorRunsFunctorsQueuedJustBeforeIt) {
  std::atomic<int> ran{0};
  {
    EventLoopThread thread;
    EventLoop* loop = thread.startLoop();
    for (int i = 0; i < 100; ++i) loop->queueInLoop([&ran] { ran.fetch_add(1); });
  }
  EXPECT_EQ(ran.load(), 100);
}

TEST(EventLoopThreadTest, DestructorWithoutStartLoopDoesNothing) {
  int calls = 0;
  {
    EventLoopThread thread([&calls](EventLoop*) { ++calls; });
  }
  EXPECT_EQ(calls, 0);
}

TEST(EventLoopThreadTest, DestructorStopsALoopKeptBusyByTimers) {
  // The loop is never idle in poll here, so quit() races with a running
  // iteration rather than waking a sleeping one.
  for (int round = 0; round < 50; ++round) {
    CountDownLatch ticked(3);
    {
      EventLoopThread thread;
      EventLoop* loop = thread.startLoop();
      loop->runEvery(1us, [&ticked] { ticked.countDown(); });
      ASSERT_TRUE(ticked.waitFor(5s)) << "round " << round;
    }
  }
}

}  // namespace
}  // namespace muduo::net
