#include "services/kv/GroupCommitQueue.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "muduo/base/Mutex.h"

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
        groupSizes_.push_back(group.size());
        for (GroupCommitQueue::Pending& pending : group) {
          keys_.push_back(pending.batch.ops()[0].key);
        }
        if (blockFirst_ && groupSizes_.size() == 1) {
          inFirst_ = true;
          changed_.notifyAll();
          while (blockFirst_) changed_.wait(&mutex_);
        }
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

 private:
  mutable Mutex mutex_;
  Condition changed_;
  std::vector<size_t> groupSizes_ ABSL_GUARDED_BY(mutex_);
  std::vector<std::string> keys_ ABSL_GUARDED_BY(mutex_);
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

}  // namespace
}  // namespace muduo::kv
