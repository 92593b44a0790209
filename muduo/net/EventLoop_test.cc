#include "muduo/net/EventLoop.h"

#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/CurrentThread.h"
#include "muduo/base/Thread.h"
#include "muduo/net/Poller.h"
#include "muduo/net/poller/EPollPoller.h"
#include "muduo/net/poller/PollPoller.h"
#include "muduo/net/poller/UringPoller.h"

namespace muduo::net {
namespace {

using namespace std::chrono_literals;

// Quits the loop after `limit`, so a broken test fails instead of hanging.
void addWatchdog(EventLoop* loop, bool* timedOut, std::chrono::milliseconds limit = 5s) {
  loop->runAfter(limit, [loop, timedOut] {
    *timedOut = true;
    loop->quit();
  });
}

// Runs `loop` while another thread runs `body`, started once the loop runs;
// false if the watchdog had to end the loop.
bool loopWhileAnotherThreadRuns(EventLoop* loop, std::function<void()> body) {
  CountDownLatch running(1);
  loop->queueInLoop([&running] { running.countDown(); });
  Thread other([&running, &body] {
    running.wait();
    body();
  });
  other.start();
  bool timedOut = false;
  addWatchdog(loop, &timedOut);
  loop->loop();
  other.join();
  return !timedOut;
}

enum class PollerKind { kEpoll, kPoll, kUring };

// What newDefaultPoller() should pick in this test's environment: io_uring
// only where this machine can set one up (else it falls back to epoll).
PollerKind expectedPollerKind(EventLoop* loop) {
  if (::getenv("MUDUO_USE_POLL") != nullptr) return PollerKind::kPoll;
  if (::getenv("MUDUO_USE_URING") != nullptr) {
    std::string error;
    if (UringPoller::create(loop, false, &error) != nullptr) return PollerKind::kUring;
  }
  return PollerKind::kEpoll;
}

// The number of epoll instances this process holds open.
int countEpollFds() {
  int count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (const dirent* entry = ::readdir(dir)) {
    char target[64] = "";
    const std::string path = std::string("/proc/self/fd/") + entry->d_name;
    const ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
    if (n > 0 && std::string(target, static_cast<size_t>(n)) == "anon_inode:[eventpoll]") {
      ++count;
    }
  }
  ::closedir(dir);
  return count;
}

TEST(EventLoopTest, DefaultPollerFollowsTheEnvironment) {
  EventLoop loop;
  std::unique_ptr<Poller> poller = Poller::newDefaultPoller(&loop);
  switch (expectedPollerKind(&loop)) {
    case PollerKind::kPoll:
      EXPECT_NE(dynamic_cast<PollPoller*>(poller.get()), nullptr);
      break;
    case PollerKind::kUring:
      EXPECT_NE(dynamic_cast<UringPoller*>(poller.get()), nullptr);
      break;
    case PollerKind::kEpoll:
      EXPECT_NE(dynamic_cast<EPollPoller*>(poller.get()), nullptr);
      break;
  }
}

TEST(EventLoopTest, LoopUsesAnEpollInstanceOnlyWhenEpollIsSelected) {
  const int before = countEpollFds();
  ASSERT_GE(before, 0);
  auto loop = std::make_unique<EventLoop>();
  const bool epoll = expectedPollerKind(loop.get()) == PollerKind::kEpoll;
  EXPECT_EQ(countEpollFds() - before, epoll ? 1 : 0);
  loop.reset();
  EXPECT_EQ(countEpollFds(), before);
}

TEST(EventLoopDeathTest, SecondLoopInTheSameThreadAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EventLoop first;
  EXPECT_DEATH({ EventLoop second; }, "Another EventLoop");
}

TEST(EventLoopDeathTest, LoopThreadOnlyCallFromAnotherThreadAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EventLoop loop;
  EXPECT_DEATH(
      {
        Thread other([&loop] { loop.assertInLoopThread(); });
        other.start();
        other.join();
      },
      "abortNotInLoopThread");
}

TEST(EventLoopTest, IsTheCurrentThreadsLoopOnlyWhileItExists) {
  EXPECT_EQ(EventLoop::getEventLoopOfCurrentThread(), nullptr);
  {
    EventLoop loop;
    EXPECT_EQ(EventLoop::getEventLoopOfCurrentThread(), &loop);
    EXPECT_TRUE(loop.isInLoopThread());

    EventLoop* seenElsewhere = &loop;
    bool elsewhereIsLoopThread = true;
    Thread other([&] {
      seenElsewhere = EventLoop::getEventLoopOfCurrentThread();
      elsewhereIsLoopThread = loop.isInLoopThread();
    });
    other.start();
    other.join();
    EXPECT_EQ(seenElsewhere, nullptr);
    EXPECT_FALSE(elsewhereIsLoopThread);
  }
  EXPECT_EQ(EventLoop::getEventLoopOfCurrentThread(), nullptr);
  EventLoop again;  // a thread may make a new loop once the old one is gone
  EXPECT_EQ(EventLoop::getEventLoopOfCurrentThread(), &again);
}

TEST(EventLoopTest, RunInLoopFromTheLoopThreadRunsImmediately) {
  EventLoop loop;
  bool ran = false;
  loop.runInLoop([&ran] { ran = true; });
  EXPECT_TRUE(ran);
  EXPECT_EQ(loop.queueSize(), 0u);
}

TEST(EventLoopTest, QueueInLoopFromTheLoopThreadWaitsForTheLoop) {
  EventLoop loop;
  bool ran = false;
  loop.queueInLoop([&ran] { ran = true; });
  EXPECT_FALSE(ran);
  EXPECT_EQ(loop.queueSize(), 1u);
  loop.queueInLoop([&loop] { loop.quit(); });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_TRUE(ran);
  EXPECT_EQ(loop.queueSize(), 0u);
}

TEST(EventLoopTest, FunctorsFromManyThreadsEachRunOnceInTheLoopThreadInOrder) {
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 1000;
  constexpr int kTotal = kThreads * kCallsPerThread;
  EventLoop loop;
  const int loopTid = CurrentThread::tid();

  // Written only in the loop thread (this thread), read after loop() returns.
  std::vector<int> runs(kTotal, 0);
  std::vector<int> lastSeen(kThreads, -1);
  int total = 0;
  int wrongThread = 0;
  int outOfOrder = 0;

  CountDownLatch running(1);
  loop.queueInLoop([&running] { running.countDown(); });

  std::vector<std::unique_ptr<Thread>> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.push_back(std::make_unique<Thread>([&, t] {
      // Half the threads start before the loop runs, half while it runs.
      if (t % 2 == 1) running.wait();
      for (int i = 0; i < kCallsPerThread; ++i) {
        auto functor = [&, t, i] {
          if (CurrentThread::tid() != loopTid) ++wrongThread;
          if (i <= lastSeen[t]) ++outOfOrder;
          lastSeen[t] = i;
          ++runs[t * kCallsPerThread + i];
          if (++total == kTotal) loop.quit();
        };
        if (i % 2 == 0) {
          loop.runInLoop(std::move(functor));
        } else {
          loop.queueInLoop(std::move(functor));
        }
      }
    }));
    threads.back()->start();
  }

  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  for (auto& thread : threads) thread->join();

  EXPECT_FALSE(timedOut);
  EXPECT_EQ(total, kTotal);
  EXPECT_EQ(wrongThread, 0);
  EXPECT_EQ(outOfOrder, 0);
  int notExactlyOnce = 0;
  for (int count : runs) notExactlyOnce += count != 1;
  EXPECT_EQ(notExactlyOnce, 0);
}

TEST(EventLoopTest, QuitFromAnotherThreadWakesABlockedLoop) {
  EventLoop loop;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(loopWhileAnotherThreadRuns(&loop, [&loop] { loop.quit(); }));
  // Well under the 10 s poll timeout: the wake-up, not the timeout, ended it.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

TEST(EventLoopTest, QuitFromTheLoopThreadFinishesTheCurrentIteration) {
  EventLoop loop;
  bool ranAfterQuit = false;
  int64_t quitIteration = -1;
  loop.queueInLoop([&] {
    quitIteration = loop.iteration();
    loop.quit();
  });
  loop.queueInLoop([&ranAfterQuit] { ranAfterQuit = true; });  // same batch
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_TRUE(ranAfterQuit);
  EXPECT_EQ(loop.iteration(), quitIteration);
}

TEST(EventLoopTest, FunctorsQueuedBeforeQuitRunEvenIfTheLoopNeverPolls) {
  EventLoop loop;
  int ran = 0;
  loop.queueInLoop([&ran] { ++ran; });
  loop.queueInLoop([&ran] { ++ran; });
  loop.quit();
  loop.loop();  // returns at once, but drains the queue first
  EXPECT_EQ(ran, 2);
  EXPECT_EQ(loop.iteration(), 0);
}

TEST(EventLoopTest, FunctorsQueuedByAnotherThreadBeforeItQuitsAllRun) {
  constexpr int kFunctors = 1000;
  EventLoop loop;
  int ran = 0;  // loop thread only
  EXPECT_TRUE(loopWhileAnotherThreadRuns(&loop, [&] {
    for (int i = 0; i < kFunctors; ++i) loop.queueInLoop([&ran] { ++ran; });
    loop.quit();
  }));
  EXPECT_EQ(ran, kFunctors);
}

TEST(EventLoopTest, LoopCanRunAgainAfterQuit) {
  EventLoop loop;
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  for (int round = 0; round < 3; ++round) {
    bool ran = false;
    loop.queueInLoop([&] {
      ran = true;
      loop.quit();
    });
    loop.loop();
    EXPECT_TRUE(ran) << "round " << round;
  }
  EXPECT_FALSE(timedOut);
}

TEST(EventLoopTest, FunctorQueuedByAFunctorRunsInALaterIteration) {
  EventLoop loop;
  int64_t outerIteration = -1;
  int64_t innerIteration = -1;
  loop.queueInLoop([&] {
    outerIteration = loop.iteration();
    loop.queueInLoop([&] {
      innerIteration = loop.iteration();
      loop.quit();
    });
  });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_GT(innerIteration, outerIteration);
}

TEST(EventLoopTest, PollReturnTimeIsSetOncePolling) {
  EventLoop loop;
  const Timestamp before = Timestamp::now();
  loop.queueInLoop([&loop] { loop.quit(); });
  loop.loop();
  EXPECT_GE(loop.pollReturnTime(), before);
  EXPECT_LE(loop.pollReturnTime(), Timestamp::now());
}

TEST(EventLoopTest, UnrunFunctorsAreDestroyedWithTheLoop) {
  auto token = std::make_shared<int>(0);
  {
    EventLoop loop;
    loop.queueInLoop([token] {});
    EXPECT_EQ(token.use_count(), 2);
  }
  EXPECT_EQ(token.use_count(), 1);
}

TEST(EventLoopTest, BusyPollIsOffByDefaultAndTheDefaultAppliesToLoopsMadeLater) {
  EventLoop before;
  EXPECT_EQ(before.busyPoll(), 0us);
  before.setBusyPoll(50us);
  EXPECT_EQ(before.busyPoll(), 50us);
  EventLoop::setDefaultBusyPoll(20us);
  Thread other([] {
    EventLoop later;
    EXPECT_EQ(later.busyPoll(), 20us);
  });
  other.start();
  other.join();
  EventLoop::setDefaultBusyPoll(0us);
  EXPECT_EQ(before.busyPoll(), 50us);
}

TEST(EventLoopTest, WithoutBusyPollEveryPollBlocks) {
  EventLoop loop;
  int passes = 0;
  loop.runEvery(1ms, [&] {
    if (++passes == 5) loop.quit();
  });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_EQ(loop.spinPolls(), 0);
  EXPECT_EQ(loop.blockingPolls(), loop.iteration());
}

TEST(EventLoopTest, WithBusyPollTimersFireNoEarlierThanAskedAndTheLoopSpins) {
  EventLoop loop;
  loop.setBusyPoll(2ms);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::chrono::steady_clock::duration> fired;
  loop.runEvery(5ms, [&] {
    fired.push_back(std::chrono::steady_clock::now() - start);
    if (fired.size() == 5) loop.quit();
  });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  ASSERT_EQ(fired.size(), 5u);
  for (size_t i = 0; i < fired.size(); ++i) {
    EXPECT_GE(fired[i], 5ms * static_cast<int>(i + 1)) << "timer " << i << " fired early";
  }
  EXPECT_GT(loop.spinPolls(), 0);  // after each firing, until the 2 ms ran out
}

TEST(EventLoopTest, WithBusyPollFunctorsFromAnotherThreadAreHandled) {
  constexpr int kRounds = 200;
  EventLoop loop;
  loop.setBusyPoll(1ms);
  std::atomic<int> ran{0};
  // Ping-pong, so the functors arrive while the loop spins and, every tenth
  // round after a pause longer than the budget, while it sleeps.
  EXPECT_TRUE(loopWhileAnotherThreadRuns(&loop, [&] {
    for (int i = 0; i < kRounds; ++i) {
      if (i % 10 == 0) std::this_thread::sleep_for(3ms);
      CountDownLatch done(1);
      loop.queueInLoop([&] {
        ran.fetch_add(1);
        done.countDown();
      });
      done.wait();
    }
    loop.quit();
  }));
  EXPECT_EQ(ran.load(), kRounds);
  EXPECT_GT(loop.spinPolls(), 0);
}

TEST(EventLoopTest, WithALongBusyPollQuitFromAnotherThreadStillReturns) {
  EventLoop loop;
  loop.setBusyPoll(std::chrono::seconds(60));  // would spin for a minute after each event
  EXPECT_TRUE(loopWhileAnotherThreadRuns(&loop, [&loop] {
    // The loop handled an event, so it spins; quit once it is seen spinning.
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (loop.spinPolls() == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    loop.quit();
  }));
  EXPECT_GT(loop.spinPolls(), 0);
}

TEST(EventLoopTest, WithBusyPollAnIdleLoopBlocksOnceTheBudgetIsSpent) {
  EventLoop loop;
  loop.setBusyPoll(1ms);
  loop.queueInLoop([] {});  // one iteration with an event: the loop spins after it
  int64_t blockingAtTimer = -1;
  int64_t spinsAtTimer = -1;
  loop.runAfter(300ms, [&] {
    blockingAtTimer = loop.blockingPolls();
    spinsAtTimer = loop.spinPolls();
    loop.quit();
  });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  // The first poll blocks (nothing handled yet) and returns the wake-up;
  // then 1 ms of spinning finds nothing, and the loop blocks again until
  // the timer instead of spinning through the 300 ms.
  EXPECT_EQ(blockingAtTimer, 2);
  EXPECT_GT(spinsAtTimer, 0);
}

TEST(EventLoopTest, ContextHoldsWhateverTheOwnerStores) {
  EventLoop loop;
  EXPECT_FALSE(loop.getContext().has_value());
  loop.setContext(std::string("session"));
  EXPECT_EQ(std::any_cast<std::string>(loop.getContext()), "session");
  *loop.getMutableContext() = 7;
  EXPECT_EQ(std::any_cast<int>(loop.getContext()), 7);
}

}  // namespace
}  // namespace muduo::net
