#include "services/kv/GroupCommitQueue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "muduo/base/Mutex.h"
#include "muduo/base/TestUtil.h"

namespace muduo::kv {
namespace {

using std::chrono::microseconds;

WriteBatch oneKey(const std::string& key) {
  WriteBatch batch;
  batch.put(key, "v");
  return batch;
}

// Records the groups it is handed and acknowledges every batch with OK.
class Recorder {
 public:
  GroupCommitQueue::CommitFunction commitFunction() {
    return [this](GroupCommitQueue::Group group) {
      {
        MutexLock lock(&mutex_);
        if (committing_) overlapped_ = true;
        committing_ = true;
        groupSizes_.push_back(group.size());
        threads_.push_back(std::this_thread::get_id());
        for (GroupCommitQueue::Pending& pending : group) {
          keys_.push_back(pending.batch.ops()[0].key);
        }
        if (blockFirst_ && groupSizes_.size() == 1) {
          inFirst_ = true;
          changed_.notifyAll();
          while (blockFirst_) changed_.wait(&mutex_);
        }
        committing_ = false;
      }
      for (GroupCommitQueue::Pending& pending : group) {
        std::move(pending.done)(absl::OkStatus(), pending.batch);
      }
    };
  }
  void blockFirstGroup() {
    MutexLock lock(&mutex_);
    blockFirst_ = true;
  }
  void waitInFirstGroup() {
    MutexLock lock(&mutex_);
    while (!inFirst_) changed_.wait(&mutex_);
  }
  void releaseFirstGroup() {
    MutexLock lock(&mutex_);
    blockFirst_ = false;
    changed_.notifyAll();
  }
  std::vector<size_t> groupSizes() const {
    MutexLock lock(&mutex_);
    return groupSizes_;
  }
  std::vector<std::string> keys() const {
    MutexLock lock(&mutex_);
    return keys_;
  }
  // The thread that committed each group.
  std::vector<std::thread::id> threads() const {
    MutexLock lock(&mutex_);
    return threads_;
  }
  // Whether two groups were ever committed at once.
  bool overlapped() const {
    MutexLock lock(&mutex_);
    return overlapped_;
  }

 private:
  mutable Mutex mutex_;
  Condition changed_;
  std::vector<size_t> groupSizes_ ABSL_GUARDED_BY(mutex_);
  std::vector<std::string> keys_ ABSL_GUARDED_BY(mutex_);
  std::vector<std::thread::id> threads_ ABSL_GUARDED_BY(mutex_);
  bool committing_ ABSL_GUARDED_BY(mutex_) = false;
  bool overlapped_ ABSL_GUARDED_BY(mutex_) = false;
  bool blockFirst_ ABSL_GUARDED_BY(mutex_) = false;
  bool inFirst_ ABSL_GUARDED_BY(mutex_) = false;
};

GroupCommitQueue::SyncEstimate noSyncEstimate() {
  return [] { return uint64_t{0}; };
}

// Writes queued while a group commits go into the next group, together.
std::vector<size_t> groupsAfterABlockedFirstGroup(SyncMode mode) {
  Recorder recorder;
  recorder.blockFirstGroup();
  GroupCommitQueue queue(mode, recorder.commitFunction(), noSyncEstimate());
  queue.submit(oneKey("first"), [](absl::Status, WriteBatch&) {});
  recorder.waitInFirstGroup();
  for (int i = 0; i < 5; ++i) {
    queue.submit(oneKey("k" + std::to_string(i)), [](absl::Status, WriteBatch&) {});
  }
  recorder.releaseFirstGroup();
  queue.close();
  return recorder.groupSizes();
}

TEST(GroupCommitQueueTest, BatchModeCommitsWhatQueuedDuringASyncAsOneGroup) {
  EXPECT_EQ(groupsAfterABlockedFirstGroup(SyncMode::kBatch), (std::vector<size_t>{1, 5}));
}

TEST(GroupCommitQueueTest, AlwaysModeCommitsEveryBatchWaitingBehindASyncAsOneGroup) {
  EXPECT_EQ(groupsAfterABlockedFirstGroup(SyncMode::kAlways), (std::vector<size_t>{1, 5}))
      << "the five waiting behind the first group share the next sync";
}

TEST(GroupCommitQueueTest, AlwaysModeStartsTheNextGroupAsSoonAsTheLastOneIsDone) {
  // Hand the queue a far smaller cohort than last time: kBatch would wait
  // for stragglers, kAlways must not. With no sync estimate gatherTime() is
  // zero for both, so compare the rule itself with a large estimate.
  EXPECT_EQ(GroupCommitQueue::gatherTime(SyncMode::kAlways, 1000, 1, 1'000'000), microseconds(0));
  EXPECT_GT(GroupCommitQueue::gatherTime(SyncMode::kBatch, 1000, 1, 1'000'000), microseconds(0));
}

TEST(GroupCommitQueueTest, EverySecAndNoneModesCommitInTheCallersThreadBeforeSubmitReturns) {
  for (SyncMode mode : {SyncMode::kEverySec, SyncMode::kNone}) {
    Recorder recorder;
    GroupCommitQueue queue(mode, recorder.commitFunction(), noSyncEstimate());
    const std::thread::id caller = std::this_thread::get_id();
    bool done = false;
    queue.submit(oneKey("a"), [&](absl::Status status, WriteBatch&) {
      EXPECT_TRUE(status.ok());
      EXPECT_EQ(std::this_thread::get_id(), caller);
      done = true;
    });
    EXPECT_TRUE(done) << syncModeName(mode);
  }
}

TEST(GroupCommitQueueTest, CloseCommitsEveryAcceptedBatchInOrderAndRefusesLaterOnes) {
  for (SyncMode mode :
       {SyncMode::kAlways, SyncMode::kBatch, SyncMode::kEverySec, SyncMode::kNone}) {
    Recorder recorder;
    GroupCommitQueue queue(mode, recorder.commitFunction(), noSyncEstimate());
    std::vector<std::string> expected;
    for (int i = 0; i < 100; ++i) {
      expected.push_back("k" + std::to_string(i));
      queue.submit(oneKey(expected.back()), [](absl::Status, WriteBatch&) {});
    }
    queue.close();
    EXPECT_EQ(recorder.keys(), expected) << syncModeName(mode);
    absl::Status late;
    queue.submit(oneKey("late"), [&](absl::Status status, WriteBatch&) { late = status; });
    EXPECT_EQ(late.code(), absl::StatusCode::kUnavailable) << syncModeName(mode);
    EXPECT_EQ(recorder.keys().size(), 100u) << syncModeName(mode);
    queue.close();  // idempotent
  }
}

TEST(GroupCommitQueueTest, GathersOnlyInBatchModeWhenFarFewerWaitThanLastTime) {
  EXPECT_EQ(GroupCommitQueue::gatherTime(SyncMode::kBatch, 100, 10, 800), microseconds(400));
  EXPECT_EQ(GroupCommitQueue::gatherTime(SyncMode::kBatch, 100, 50, 800), microseconds(0))
      << "half of last time is enough";
  EXPECT_EQ(GroupCommitQueue::gatherTime(SyncMode::kBatch, 7, 1, 800), microseconds(0))
      << "small groups are not worth waiting for";
  EXPECT_EQ(GroupCommitQueue::gatherTime(SyncMode::kAlways, 100, 10, 800), microseconds(0));
  EXPECT_EQ(GroupCommitQueue::gatherTime(SyncMode::kEverySec, 100, 10, 800), microseconds(0));
  EXPECT_EQ(GroupCommitQueue::gatherTime(SyncMode::kNone, 100, 10, 800), microseconds(0));
}

TEST(GroupCommitQueueTest, GatheringWaitsAtMostHalfASyncAndNeverOverAMillisecond) {
  EXPECT_EQ(GroupCommitQueue::gatherTime(SyncMode::kBatch, 100, 1, 0), microseconds(0))
      << "no sync measured yet";
  EXPECT_EQ(GroupCommitQueue::gatherTime(SyncMode::kBatch, 100, 1, 1500), microseconds(750));
  EXPECT_EQ(GroupCommitQueue::gatherTime(SyncMode::kBatch, 100, 1, 50000), microseconds(1000));
}

constexpr GroupCommitQueue::Caller kMayWait = GroupCommitQueue::Caller::kMayWaitForSync;

WriteBatch manyKeys(const std::string& prefix, size_t n) {
  WriteBatch batch;
  for (size_t i = 0; i < n; ++i) batch.put(prefix + std::to_string(i), "v");
  return batch;
}

TEST(GroupCommitQueueTest, ACallerThatMayWaitCommitsASmallBatchItselfWhenTheWriterIsIdle) {
  for (SyncMode mode : {SyncMode::kAlways, SyncMode::kBatch}) {
    Recorder recorder;
    GroupCommitQueue queue(mode, recorder.commitFunction(), noSyncEstimate());
    const std::thread::id caller = std::this_thread::get_id();
    for (int i = 0; i < 3; ++i) {
      bool done = false;
      queue.submit(
          manyKeys("k", GroupCommitQueue::kMaxOpsCommittedByCaller),
          [&](absl::Status status, WriteBatch&) {
            EXPECT_TRUE(status.ok());
            EXPECT_EQ(std::this_thread::get_id(), caller);
            done = true;
          },
          kMayWait);
      EXPECT_TRUE(done) << syncModeName(mode) << ": acknowledged before submit() returns";
    }
    EXPECT_EQ(recorder.threads(), std::vector<std::thread::id>(3, caller)) << syncModeName(mode);
    EXPECT_EQ(queue.callerCommits(), 3u) << syncModeName(mode);
    queue.close();
  }
}

TEST(GroupCommitQueueTest, LargeBatchesAndCallersThatMustNotWaitGoToTheWriter) {
  Recorder recorder;
  GroupCommitQueue queue(SyncMode::kAlways, recorder.commitFunction(), noSyncEstimate());
  queue.submit(
      manyKeys("big", GroupCommitQueue::kMaxOpsCommittedByCaller + 1),
      [](absl::Status, WriteBatch&) {}, kMayWait);
  queue.submit(oneKey("small"), [](absl::Status, WriteBatch&) {});
  queue.close();
  EXPECT_EQ(recorder.keys(), (std::vector<std::string>{"big0", "small"}));
  ASSERT_FALSE(recorder.threads().empty());
  for (std::thread::id id : recorder.threads()) EXPECT_NE(id, std::this_thread::get_id());
}

TEST(GroupCommitQueueTest, CallersNeverCommitWhenTurnedOff) {
  Recorder recorder;
  GroupCommitQueue queue(SyncMode::kAlways, recorder.commitFunction(), noSyncEstimate(),
                         /*callersMayCommit=*/false);
  queue.submit(
      oneKey("a"), [](absl::Status, WriteBatch&) {}, kMayWait);
  queue.close();
  EXPECT_EQ(queue.callerCommits(), 0u);
  ASSERT_EQ(recorder.threads().size(), 1u);
  EXPECT_NE(recorder.threads()[0], std::this_thread::get_id());
}

TEST(GroupCommitQueueTest, WhenSyncsAreSlowEvenASmallBatchGoesToTheWriter) {
  Recorder recorder;
  GroupCommitQueue queue(SyncMode::kAlways, recorder.commitFunction(),
                         [] { return GroupCommitQueue::kMaxSyncMicrosForCaller + 1; });
  queue.submit(
      oneKey("a"), [](absl::Status, WriteBatch&) {}, kMayWait);
  queue.close();
  EXPECT_EQ(queue.callerCommits(), 0u) << "the loop must not be held for a slow sync";
  ASSERT_EQ(recorder.threads().size(), 1u);
  EXPECT_NE(recorder.threads()[0], std::this_thread::get_id());
}

TEST(GroupCommitQueueTest, AfterLargeGroupsEvenASmallBatchGoesToTheWriter) {
  Recorder recorder;
  GroupCommitQueue queue(SyncMode::kAlways, recorder.commitFunction(), noSyncEstimate());
  for (int i = 0; i < 4; ++i) {
    // Submitted one at a time, so each is a group of its own.
    Mutex mutex;
    Condition committed;
    bool done = false;
    queue.submit(manyKeys("big", 1000), [&](absl::Status, WriteBatch&) {
      MutexLock lock(&mutex);
      done = true;
      committed.notifyAll();
    });
    MutexLock lock(&mutex);
    while (!done) committed.wait(&mutex);
  }
  EXPECT_EQ(queue.callerCommits(), 0u);
  queue.submit(
      oneKey("small"), [](absl::Status, WriteBatch&) {}, kMayWait);
  queue.close();
  EXPECT_EQ(queue.callerCommits(), 0u) << "a loop this busy keeps the pipeline";
  EXPECT_NE(recorder.threads().back(), std::this_thread::get_id());
}

TEST(GroupCommitQueueTest, WhileTheWriterCommitsACallerThatMayWaitQueuesBehindIt) {
  Recorder recorder;
  recorder.blockFirstGroup();
  GroupCommitQueue queue(SyncMode::kAlways, recorder.commitFunction(), noSyncEstimate());
  queue.submit(oneKey("first"), [](absl::Status, WriteBatch&) {});
  recorder.waitInFirstGroup();
  bool done = false;
  queue.submit(
      oneKey("second"), [&](absl::Status, WriteBatch&) { done = true; }, kMayWait);
  EXPECT_FALSE(done) << "it must not overtake, nor wait for, the writer's group";
  recorder.releaseFirstGroup();
  queue.close();
  EXPECT_TRUE(done);
  EXPECT_EQ(recorder.keys(), (std::vector<std::string>{"first", "second"}));
  for (std::thread::id id : recorder.threads()) EXPECT_NE(id, std::this_thread::get_id());
}

TEST(GroupCommitQueueTest, WhatQueuesDuringACallersCommitGoesAfterItInOneGroup) {
  for (SyncMode mode : {SyncMode::kAlways, SyncMode::kBatch}) {
    Recorder recorder;
    recorder.blockFirstGroup();
    GroupCommitQueue queue(mode, recorder.commitFunction(), noSyncEstimate());
    std::thread committer([&] {
      queue.submit(
          oneKey("first"), [](absl::Status, WriteBatch&) {}, kMayWait);
    });
    recorder.waitInFirstGroup();
    // One caller may wait, one may not: both queue behind the running commit.
    queue.submit(
        oneKey("second"), [](absl::Status, WriteBatch&) {}, kMayWait);
    queue.submit(oneKey("third"), [](absl::Status, WriteBatch&) {});
    recorder.releaseFirstGroup();
    committer.join();
    queue.close();
    EXPECT_EQ(recorder.keys(), (std::vector<std::string>{"first", "second", "third"}))
        << syncModeName(mode);
    EXPECT_EQ(recorder.groupSizes(), (std::vector<size_t>{1, 2})) << syncModeName(mode);
    EXPECT_FALSE(recorder.overlapped()) << syncModeName(mode);
  }
}

TEST(GroupCommitQueueTest, CloseDuringACallersCommitWaitsForItThenDrainsWhatQueuedBehind) {
  Recorder recorder;
  recorder.blockFirstGroup();
  GroupCommitQueue queue(SyncMode::kAlways, recorder.commitFunction(), noSyncEstimate());
  absl::Status first = absl::UnknownError("not called");
  std::thread committer([&] {
    queue.submit(
        oneKey("first"), [&](absl::Status status, WriteBatch&) { first = status; }, kMayWait);
  });
  recorder.waitInFirstGroup();
  absl::Status second = absl::UnknownError("not called");
  queue.submit(oneKey("second"), [&](absl::Status status, WriteBatch&) { second = status; });
  std::thread closer([&] { queue.close(); });
  // close() cannot finish while "first" is held: the writer waits for it
  // before it commits "second".
  recorder.releaseFirstGroup();
  closer.join();
  committer.join();
  EXPECT_TRUE(first.ok()) << first;
  EXPECT_TRUE(second.ok()) << second;
  EXPECT_EQ(recorder.keys(), (std::vector<std::string>{"first", "second"}));
  absl::Status late;
  queue.submit(
      oneKey("late"), [&](absl::Status status, WriteBatch&) { late = status; }, kMayWait);
  EXPECT_EQ(late.code(), absl::StatusCode::kUnavailable);
}

// Several loops writing at once, some batches committed by their callers and
// some by the writer: every batch is acknowledged exactly once, OK, each
// thread's batches reach the commit function in the order it submitted
// them, and no two groups are ever committed at once.
TEST(GroupCommitQueueTest, ManyWritersMixingCallersKeepEachOnesOrderAndNeverOverlap) {
  constexpr int kPerThread = muduo::test::kSanitized ? 300 : 2000;
  constexpr int kThreads = 4;
  for (SyncMode mode : {SyncMode::kAlways, SyncMode::kBatch}) {
    Recorder recorder;
    GroupCommitQueue queue(mode, recorder.commitFunction(), noSyncEstimate());
    std::atomic<int> acknowledged{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const std::string key = std::to_string(t) + ":" + std::to_string(i);
          const GroupCommitQueue::Caller caller =
              i % 3 == 0 ? GroupCommitQueue::Caller::kMustNotWait : kMayWait;
          queue.submit(
              oneKey(key),
              [&](absl::Status status, WriteBatch&) {
                EXPECT_TRUE(status.ok());
                acknowledged.fetch_add(1);
              },
              caller);
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    queue.close();
    EXPECT_EQ(acknowledged.load(), kThreads * kPerThread) << syncModeName(mode);
    EXPECT_FALSE(recorder.overlapped()) << syncModeName(mode);
    std::vector<int> next(kThreads, 0);
    for (const std::string& key : recorder.keys()) {
      const int t = std::stoi(key.substr(0, key.find(':')));
      EXPECT_EQ(std::stoi(key.substr(key.find(':') + 1)), next[t]++) << syncModeName(mode);
    }
    EXPECT_EQ(next, std::vector<int>(kThreads, kPerThread)) << syncModeName(mode);
  }
}

}  // namespace
}  // namespace muduo::kv
