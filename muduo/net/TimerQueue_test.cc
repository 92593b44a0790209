// TimerQueue, exercised through EventLoop's runAt / runAfter / runEvery /
// cancel, the way users reach it. Deadlines are taken by EventLoop from the
// monotonic clock inside those calls; where a test needs them it brackets the
// call with its own clock readings.
#include "muduo/net/TimerQueue.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/CurrentThread.h"
#include "muduo/base/Thread.h"
#include "muduo/base/Timestamp.h"
#include "muduo/net/EventLoop.h"

namespace muduo::net {
namespace {

using namespace std::chrono_literals;
using Clock = TimerQueue::Clock;

// Quits the loop after `limit`, so a broken test fails instead of hanging.
void addWatchdog(EventLoop* loop, bool* timedOut, std::chrono::milliseconds limit = 5s) {
  loop->runAfter(limit, [loop, timedOut] {
    *timedOut = true;
    loop->quit();
  });
}

TEST(TimerQueueTest, TimersFireInDeadlineOrderNotInTheOrderAdded) {
  EventLoop loop;
  std::vector<int> fired;
  // One base for all three: with runAfter, a thread preempted for over 10 ms
  // between two calls gives deadlines in another order than the test means.
  const Timestamp base = Timestamp::now();
  auto record = [&fired, &loop](int n) {
    fired.push_back(n);
    if (fired.size() == 3) loop.quit();
  };
  loop.runAt(base + 30ms, [&record] { record(3); });
  loop.runAt(base + 10ms, [&record] { record(1); });
  loop.runAt(base + 20ms, [&record] { record(2); });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
}

TEST(TimerQueueTest, TimerNeverFiresBeforeItsDelay) {
  EventLoop loop;
  const auto start = Clock::now();
  Clock::time_point firedAt;
  loop.runAfter(20ms, [&] {
    firedAt = Clock::now();
    loop.quit();
  });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_GE(firedAt - start, 20ms);
}

TEST(TimerQueueTest, TimerCallbackRunsInTheLoopThreadDuringEventHandling) {
  EventLoop loop;
  int tid = 0;
  bool handling = false;
  loop.runAfter(0us, [&] {
    tid = CurrentThread::tid();
    handling = loop.eventHandling();
    loop.quit();
  });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_EQ(tid, CurrentThread::tid());
  EXPECT_TRUE(handling);
}

TEST(TimerQueueTest, RunAtAWallClockTimeFiresThen) {
  EventLoop loop;
  const Timestamp target = Timestamp::now() + 15ms;
  Timestamp firedAt;
  loop.runAt(target, [&] {
    firedAt = Timestamp::now();
    loop.quit();
  });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  // The deadline is carried over to the monotonic clock, so allow a little
  // for the two clocks' readings not being simultaneous.
  EXPECT_GE(firedAt - target, -1ms);
  EXPECT_LT(firedAt - target, 1s);
}

TEST(TimerQueueTest, RunAtATimeInThePastFiresPromptly) {
  EventLoop loop;
  bool fired = false;
  loop.runAt(Timestamp::now() + (-1h), [&] {
    fired = true;
    loop.quit();
  });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut, 2s);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_TRUE(fired);
}

TEST(TimerQueueTest, TimerIdsAreValidAndDistinct) {
  EventLoop loop;
  const TimerId a = loop.runAfter(1h, [] {});
  const TimerId b = loop.runAfter(1h, [] {});
  EXPECT_TRUE(a.valid());
  EXPECT_TRUE(b.valid());
  EXPECT_FALSE(a == b);
  EXPECT_FALSE(TimerId().valid());
}

TEST(TimerQueueTest, CancelBeforeFiringPreventsIt) {
  EventLoop loop;
  bool cancelledFired = false;
  bool keptFired = false;
  const TimerId doomed = loop.runAfter(10ms, [&] { cancelledFired = true; });
  loop.runAfter(10ms, [&] { keptFired = true; });
  loop.cancel(doomed);
  loop.runAfter(30ms, [&loop] { loop.quit(); });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_FALSE(cancelledFired);
  EXPECT_TRUE(keptFired);
}

TEST(TimerQueueTest, CancellingAFiredOrUnknownTimerIsHarmless) {
  EventLoop loop;
  int fired = 0;
  const TimerId once = loop.runAfter(0us, [&] { ++fired; });
  loop.runAfter(10ms, [&] {
    loop.cancel(once);              // already fired
    loop.cancel(once);              // twice
    loop.cancel(TimerId());         // refers to no timer
    loop.cancel(TimerId(1 << 30));  // never issued
    loop.runAfter(5ms, [&loop] { loop.quit(); });
  });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_EQ(fired, 1);
}

TEST(TimerQueueTest, CallbackCanCancelATimerDueInTheSameRound) {
  EventLoop loop;
  bool secondFired = false;
  TimerId second;
  // Both deadlines pass before the loop first polls, so both are taken in one
  // round; the first runs first and cancels the second.
  loop.runAfter(1ms, [&] { loop.cancel(second); });
  second = loop.runAfter(2ms, [&] { secondFired = true; });
  const auto bothDue = Clock::now() + 3ms;
  std::this_thread::sleep_until(bothDue);  // waiting for time itself to pass
  loop.runAfter(10ms, [&loop] { loop.quit(); });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_FALSE(secondFired);
}

TEST(TimerQueueTest, RunEveryRepeatsUntilCancelled) {
  EventLoop loop;
  int ticks = 0;
  const TimerId every = loop.runEvery(2ms, [&ticks] { ++ticks; });
  loop.runAfter(100ms, [&] {
    loop.cancel(every);
    const int atCancel = ticks;
    loop.runAfter(20ms, [&, atCancel] {
      EXPECT_EQ(ticks, atCancel) << "ticked after cancel";
      loop.quit();
    });
  });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_GE(ticks, 3);  // 50 at best; a slow sanitizer run may manage far fewer
}

TEST(TimerQueueTest, RepeatingTimerCancellingItselfFiresExactlyNTimes) {
  constexpr int kTimes = 5;
  EventLoop loop;
  int ticks = 0;
  TimerId self;
  self = loop.runEvery(1ms, [&] {
    if (++ticks == kTimes) loop.cancel(self);
  });
  // Well after the fifth tick would be followed by more if the cancel failed.
  loop.runAfter(60ms, [&loop] { loop.quit(); });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_EQ(ticks, kTimes);
}

TEST(TimerQueueTest, RepeatingTimerThatFellBehindSkipsMissedTicksInsteadOfBursting) {
  EventLoop loop;
  int ticks = 0;
  const TimerId every = loop.runEvery(5ms, [&ticks] { ++ticks; });
  // A slow callback holds the loop thread for 100 ms: twenty intervals go by
  // unserved. (The sleep is the point of the test: it is the slow work.)
  loop.runAfter(1ms, [] { std::this_thread::sleep_for(100ms); });
  loop.runAfter(102ms, [&] {
    loop.cancel(every);
    loop.quit();
  });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  // Catching up would mean about twenty; skipping means one or two.
  EXPECT_GE(ticks, 1);
  EXPECT_LE(ticks, 5);
}

TEST(TimerQueueTest, ZeroDelayTimerAddedByACallbackWaitsForTheNextRound) {
  EventLoop loop;
  int64_t outerIteration = -1;
  int64_t innerIteration = -1;
  loop.runAfter(0us, [&] {
    outerIteration = loop.iteration();
    loop.runAfter(0us, [&] {
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

TEST(TimerQueueTest, TimerAddedFromAnotherThreadFiresInTheLoopThread) {
  EventLoop loop;
  const int loopTid = CurrentThread::tid();
  int firedTid = 0;
  CountDownLatch running(1);
  loop.queueInLoop([&running] { running.countDown(); });
  Thread other([&] {
    running.wait();
    loop.runAfter(1ms, [&] {
      firedTid = CurrentThread::tid();
      loop.quit();
    });
  });
  other.start();
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  other.join();
  EXPECT_FALSE(timedOut);
  EXPECT_EQ(firedTid, loopTid);
}

TEST(TimerQueueTest, CancelFromAnotherThreadPreventsFiring) {
  EventLoop loop;
  bool fired = false;
  // Far enough out that the cross-thread cancel surely arrives first.
  const TimerId doomed = loop.runAfter(100ms, [&fired] { fired = true; });
  CountDownLatch running(1);
  loop.queueInLoop([&running] { running.countDown(); });
  Thread other([&] {
    running.wait();
    loop.cancel(doomed);
  });
  other.start();
  loop.runAfter(150ms, [&loop] { loop.quit(); });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  other.join();
  EXPECT_FALSE(timedOut);
  EXPECT_FALSE(fired);
}

TEST(TimerQueueTest, CancelQueuedRightBehindItsAddPreventsEvenAZeroDelayTimer) {
  constexpr int kTimers = 1000;
  EventLoop loop;
  int fired = 0;  // loop thread only
  CountDownLatch blocked(1);
  CountDownLatch queued(1);
  // Hold the loop thread until every add and cancel is queued, so they all
  // run back to back in one batch. (Otherwise a zero-delay timer may
  // legitimately fire before a cancel that is still on its way.)
  bool allQueued = false;
  loop.queueInLoop([&] {
    blocked.countDown();
    allQueued = queued.waitFor(5s);
  });
  Thread other([&] {
    if (!blocked.waitFor(5s)) return;
    for (int i = 0; i < kTimers; ++i) {
      loop.cancel(loop.runAfter(0us, [&fired] { ++fired; }));
    }
    loop.runAfter(10ms, [&loop] { loop.quit(); });
    queued.countDown();
  });
  other.start();
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  other.join();
  EXPECT_FALSE(timedOut);
  EXPECT_TRUE(allQueued);
  EXPECT_EQ(fired, 0);
}

// Many timers with random deadlines. Each records when it was added (the
// interval around the runAfter call) so the firing order can be checked
// against the deadlines EventLoop computed.
class ManyTimersTest : public ::testing::Test {
 protected:
  static constexpr int kTimers = 20000;
  static constexpr int kMaxDelayUs = 50000;

  struct Entry {
    Clock::time_point earliest;  // the deadline is within [earliest, latest]
    Clock::time_point latest;
    TimerId id;
    int fired = 0;
  };

  void addAll() {
    std::mt19937 rng(12345);
    std::uniform_int_distribution<int> delay(0, kMaxDelayUs);
    entries_.resize(kTimers);
    for (int i = 0; i < kTimers; ++i) {
      const std::chrono::microseconds d(delay(rng));
      Entry& e = entries_[static_cast<size_t>(i)];
      e.earliest = Clock::now() + d;
      e.id = loop_.runAfter(d, [this, i] { onFire(i); });
      e.latest = Clock::now() + d;
    }
  }

  void onFire(int i) {
    Entry& e = entries_[static_cast<size_t>(i)];
    ++e.fired;
    ++firedCount_;
    if (Clock::now() < e.earliest) ++early_;
    // A deadline-ordered queue never fires a timer whose deadline is surely
    // before that of one it already fired.
    if (e.latest < maxEarliestFired_) ++outOfOrder_;
    maxEarliestFired_ = std::max(maxEarliestFired_, e.earliest);
  }

  // Runs the loop until every deadline has passed, plus a margin.
  void runPastAllDeadlines() {
    Clock::time_point last = Clock::now();
    for (const Entry& e : entries_) last = std::max(last, e.latest);
    loop_.runAfter(std::chrono::duration_cast<std::chrono::microseconds>(last - Clock::now()) + 5ms,
                   [this] { loop_.quit(); });
    bool timedOut = false;
    addWatchdog(&loop_, &timedOut);
    loop_.loop();
    EXPECT_FALSE(timedOut);
  }

  EventLoop loop_;
  std::vector<Entry> entries_;
  int firedCount_ = 0;
  int early_ = 0;
  int outOfOrder_ = 0;
  Clock::time_point maxEarliestFired_;
};

TEST_F(ManyTimersTest, TwentyThousandRandomTimersAllFireInDeadlineOrder) {
  addAll();
  runPastAllDeadlines();
  EXPECT_EQ(firedCount_, kTimers);
  EXPECT_EQ(early_, 0);
  EXPECT_EQ(outOfOrder_, 0);
  int notOnce = 0;
  for (const Entry& e : entries_) notOnce += e.fired != 1;
  EXPECT_EQ(notOnce, 0);
}

TEST_F(ManyTimersTest, CancellingHalfFiresExactlyTheOtherHalf) {
  addAll();
  for (int i = 0; i < kTimers; i += 2) loop_.cancel(entries_[static_cast<size_t>(i)].id);
  runPastAllDeadlines();
  EXPECT_EQ(firedCount_, kTimers / 2);
  EXPECT_EQ(outOfOrder_, 0);
  int wrong = 0;
  for (int i = 0; i < kTimers; ++i) {
    wrong += entries_[static_cast<size_t>(i)].fired != (i % 2 == 0 ? 0 : 1);
  }
  EXPECT_EQ(wrong, 0);
}

TEST_F(ManyTimersTest, CancellingMostWhileRunningFiresExactlyTheRestInOrder) {
  addAll();
  // From inside the loop, after some timers have fired: cancel nine in ten of
  // those still pending, enough to make the queue compact its heap.
  std::vector<bool> cancelled(kTimers, false);
  loop_.runAfter(10ms, [&] {
    for (int i = 0; i < kTimers; ++i) {
      if (i % 10 != 0 && entries_[static_cast<size_t>(i)].fired == 0) {
        loop_.cancel(entries_[static_cast<size_t>(i)].id);
        cancelled[static_cast<size_t>(i)] = true;
      }
    }
  });
  runPastAllDeadlines();
  EXPECT_EQ(outOfOrder_, 0);
  int wrong = 0;
  int expected = 0;
  for (int i = 0; i < kTimers; ++i) {
    const int want = cancelled[static_cast<size_t>(i)] ? 0 : 1;
    expected += want;
    wrong += entries_[static_cast<size_t>(i)].fired != want;
  }
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(firedCount_, expected);
}

}  // namespace
}  // namespace muduo::net
