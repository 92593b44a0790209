#include "muduo/base/ThreadPool.h"

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/CurrentThread.h"
#include "muduo/base/Mutex.h"
#include "muduo/base/TestUtil.h"
#include "muduo/base/Thread.h"

namespace muduo {
namespace {

using test::kTimeout;
using test::waitOrAbort;
using ::testing::UnorderedElementsAre;
using StopMode = ThreadPool::StopMode;

// Occupies every worker of a pool until release() so that tasks submitted
// meanwhile stay queued, whatever the scheduler does.
class WorkerBlocker {
 public:
  explicit WorkerBlocker(int workers) : workers_(workers), busy_(workers) {}

  // Submits one blocking task per worker and returns once all are running.
  void occupy(ThreadPool& pool) {
    for (int i = 0; i < workers_; ++i) {
      ASSERT_TRUE(pool.run([this] {
        busy_.countDown();
        EXPECT_TRUE(release_.waitFor(kTimeout)) << "worker never released";
      }));
    }
    waitOrAbort(busy_, "every worker to pick up a blocking task");
  }
  void release() { release_.countDown(); }

 private:
  const int workers_;
  CountDownLatch busy_;
  CountDownLatch release_{1};
};

// Counts down a latch when destroyed without having run: lets a test wait for
// a dropped task's destruction rather than guess when it happened.
class DropProbe {
 public:
  explicit DropProbe(CountDownLatch* dropped) : dropped_(dropped) {}
  DropProbe(DropProbe&& other) noexcept : dropped_(other.dropped_) { other.dropped_ = nullptr; }
  DropProbe& operator=(DropProbe&&) = delete;
  ~DropProbe() {
    if (dropped_ != nullptr) dropped_->countDown();
  }
  void ran() { dropped_ = nullptr; }

 private:
  CountDownLatch* dropped_;
};

TEST(ThreadPoolTest, EveryTaskRunsExactlyOnceUnderContention) {
  constexpr int kProducers = 4;
  constexpr int kTasksPerProducer = 2000;
  constexpr int kTasks = kProducers * kTasksPerProducer;
  std::vector<std::atomic<int>> timesRun(kTasks);
  ThreadPool pool("contended");
  pool.setMaxQueueSize(2);  // small, so producers block in run() all the time
  pool.start(4);

  std::vector<std::unique_ptr<Thread>> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.push_back(std::make_unique<Thread>([&, p] {
      for (int i = 0; i < kTasksPerProducer; ++i) {
        const auto id = static_cast<size_t>(p * kTasksPerProducer + i);
        ASSERT_TRUE(pool.run([&timesRun, id] { timesRun[id].fetch_add(1); }));
      }
    }));
    producers.back()->start();
  }
  for (auto& producer : producers) producer->join();
  EXPECT_EQ(pool.stop(StopMode::kFinishQueued), 0u);

  for (size_t i = 0; i < timesRun.size(); ++i) ASSERT_EQ(timesRun[i].load(), 1) << "task " << i;
}

TEST(ThreadPoolTest, WorkerThreadsAreNamedAfterThePoolCountingFromOne) {
  constexpr int kThreads = 3;
  Mutex mutex;
  std::set<std::string> names;  // guarded by mutex
  // Each task waits until all have started, so each holds a different worker.
  CountDownLatch allRunning(kThreads);
  ThreadPool pool("Worker");
  EXPECT_EQ(pool.name(), "Worker");
  pool.start(kThreads);

  for (int i = 0; i < kThreads; ++i) {
    ASSERT_TRUE(pool.run([&] {
      {
        MutexLock lock(&mutex);
        names.insert(CurrentThread::name());
      }
      allRunning.countDown();
      EXPECT_TRUE(allRunning.waitFor(kTimeout));
    }));
  }
  EXPECT_EQ(pool.stop(StopMode::kFinishQueued), 0u);
  MutexLock lock(&mutex);
  EXPECT_THAT(names, UnorderedElementsAre("Worker1", "Worker2", "Worker3"));
}

thread_local bool t_initCallbackRan = false;

TEST(ThreadPoolTest, InitCallbackRunsOnceInEachWorkerBeforeItsFirstTask) {
  constexpr int kThreads = 3;
  Mutex mutex;
  std::multiset<int> initTids;  // guarded by mutex
  std::atomic<int> tasksBeforeInit{0};
  ThreadPool pool("init");
  pool.setThreadInitCallback([&] {
    t_initCallbackRan = true;
    MutexLock lock(&mutex);
    initTids.insert(CurrentThread::tid());
  });
  pool.start(kThreads);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(pool.run([&] {
      if (!t_initCallbackRan) tasksBeforeInit.fetch_add(1);
    }));
  }
  EXPECT_EQ(pool.stop(StopMode::kFinishQueued), 0u);

  EXPECT_EQ(tasksBeforeInit.load(), 0);
  MutexLock lock(&mutex);
  EXPECT_EQ(initTids.size(), static_cast<size_t>(kThreads));
  EXPECT_EQ(std::set<int>(initTids.begin(), initTids.end()).size(), initTids.size())
      << "a worker ran the init callback twice";
  EXPECT_EQ(initTids.count(CurrentThread::tid()), 0u);
}

TEST(ThreadPoolTest, FinishQueuedRunsEveryQueuedTaskBeforeStopReturns) {
  constexpr int kThreads = 2;
  constexpr int kQueued = 10;
  // Declared before the pool, which may still run tasks using them as it is
  // destroyed if an assertion ends the test early.
  WorkerBlocker blocker(kThreads);
  std::atomic<int> ran{0};
  ThreadPool pool("finish");
  pool.setMaxQueueSize(kQueued);
  pool.start(kThreads);
  blocker.occupy(pool);

  for (int i = 0; i < kQueued; ++i) ASSERT_TRUE(pool.tryRun([&ran] { ran.fetch_add(1); }));
  ASSERT_EQ(pool.queueSize(), static_cast<size_t>(kQueued));

  size_t dropped = 1;
  CountDownLatch stopped(1);
  Thread stopper([&] {
    dropped = pool.stop(StopMode::kFinishQueued);
    stopped.countDown();
  });
  stopper.start();
  // The queue is full and the workers are held, so this run() can only return
  // once stop() has begun, and then it must fail. Releasing the workers after
  // that point guarantees stop() found all kQueued tasks still queued.
  EXPECT_FALSE(pool.run([&ran] { ran.fetch_add(1000); }));
  blocker.release();
  waitOrAbort(stopped, "stop(kFinishQueued) to return");
  stopper.join();

  EXPECT_EQ(dropped, 0u);
  EXPECT_EQ(ran.load(), kQueued);
  EXPECT_EQ(pool.queueSize(), 0u);
}

TEST(ThreadPoolTest, RejectQueuedDestroysQueuedTasksUnrunAndReportsHowMany) {
  constexpr int kThreads = 2;
  constexpr int kQueued = 10;
  // The workers stay blocked until every queued task has been destroyed, so
  // none of them can be run instead of dropped.
  CountDownLatch allDestroyed(kQueued);
  CountDownLatch busy(kThreads);
  std::atomic<int> ran{0};
  ThreadPool pool("reject");
  pool.start(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_TRUE(pool.run([&] {
      busy.countDown();
      EXPECT_TRUE(allDestroyed.waitFor(kTimeout)) << "dropped tasks were not destroyed";
    }));
  }
  waitOrAbort(busy, "every worker to pick up a blocking task");

  for (int i = 0; i < kQueued; ++i) {
    ASSERT_TRUE(pool.run([probe = DropProbe(&allDestroyed), &ran]() mutable {
      probe.ran();
      ran.fetch_add(1);
    }));
  }
  ASSERT_EQ(pool.queueSize(), static_cast<size_t>(kQueued));

  EXPECT_EQ(pool.stop(StopMode::kRejectQueued), static_cast<size_t>(kQueued));
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(allDestroyed.count(), 0);
  EXPECT_EQ(pool.queueSize(), 0u);
}

TEST(ThreadPoolTest, TryRunFailsWhenTheQueueIsFull) {
  WorkerBlocker blocker(1);
  std::atomic<int> ran{0};
  ThreadPool pool("full");
  pool.setMaxQueueSize(1);
  pool.start(1);
  blocker.occupy(pool);

  EXPECT_TRUE(pool.tryRun([&ran] { ran.fetch_add(1); }));
  EXPECT_FALSE(pool.tryRun([&ran] { ran.fetch_add(100); }));
  EXPECT_EQ(pool.queueSize(), 1u);

  blocker.release();
  EXPECT_EQ(pool.stop(StopMode::kFinishQueued), 0u);
  EXPECT_EQ(ran.load(), 1);
}

TEST(ThreadPoolTest, RunAndTryRunFailAfterStop) {
  ThreadPool pool("stopped");
  pool.start(2);
  EXPECT_EQ(pool.stop(StopMode::kFinishQueued), 0u);
  EXPECT_EQ(pool.stop(StopMode::kRejectQueued), 0u);  // idempotent

  bool ran = false;
  EXPECT_FALSE(pool.run([&ran] { ran = true; }));
  EXPECT_FALSE(pool.tryRun([&ran] { ran = true; }));
  EXPECT_FALSE(ran);
}

TEST(ThreadPoolTest, RunFailsBeforeStart) {
  ThreadPool pool("unstarted");
  bool ran = false;
  EXPECT_FALSE(pool.run([&ran] { ran = true; }));
  EXPECT_FALSE(ran);
}

TEST(ThreadPoolTest, ZeroThreadsRunsEachTaskInlineInTheCaller) {
  ThreadPool pool("inline");
  int initRuns = 0;
  pool.setThreadInitCallback([&initRuns] { ++initRuns; });
  pool.start(0);
  EXPECT_EQ(initRuns, 1);

  int ranOn = 0;
  EXPECT_TRUE(pool.run([&ranOn] { ranOn = CurrentThread::tid(); }));
  EXPECT_EQ(ranOn, CurrentThread::tid());  // already ran when run() returned
  ranOn = 0;
  EXPECT_TRUE(pool.tryRun([&ranOn] { ranOn = CurrentThread::tid(); }));
  EXPECT_EQ(ranOn, CurrentThread::tid());
  EXPECT_EQ(pool.queueSize(), 0u);

  EXPECT_EQ(pool.stop(StopMode::kRejectQueued), 0u);
  EXPECT_FALSE(pool.run([] {}));
}

TEST(ThreadPoolTest, DestructorRunsQueuedTasksAndJoins) {
  constexpr int kTasks = 50;
  std::atomic<int> ran{0};
  {
    ThreadPool pool("dtor");
    pool.start(2);
    for (int i = 0; i < kTasks; ++i) ASSERT_TRUE(pool.run([&ran] { ran.fetch_add(1); }));
  }
  EXPECT_EQ(ran.load(), kTasks);
}

}  // namespace
}  // namespace muduo
