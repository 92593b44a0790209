#include "services/kv/GroupCommitQueue.h"

#include <algorithm>
#include <utility>

#include "muduo/base/Thread.h"

namespace muduo::kv {

GroupCommitQueue::GroupCommitQueue(SyncMode mode, CommitFunction commit, SyncEstimate syncMicros,
                                   bool callersMayCommit)
    : mode_(mode),
      commit_(std::move(commit)),
      syncMicros_(std::move(syncMicros)),
      callersMayCommit_(callersMayCommit) {
  if (syncsBeforeAcknowledging(mode_)) {
    writer_ = std::make_unique<Thread>([this] { writerLoop(); }, "kv-log");
    writer_->start();
  }
}

GroupCommitQueue::~GroupCommitQueue() { close(); }

std::chrono::microseconds GroupCommitQueue::gatherTime(SyncMode mode, size_t lastGroupOps,
                                                       size_t ops, uint64_t syncMicros) {
  if (mode != SyncMode::kBatch || lastGroupOps < 8 || ops >= lastGroupOps / 2) {
    return std::chrono::microseconds(0);
  }
  return std::chrono::microseconds(std::min<uint64_t>(syncMicros / 2, 1000));
}

void GroupCommitQueue::submit(WriteBatch batch, Callback done, Caller caller) {
  if (writer_ == nullptr) {
    if (closing_.load(std::memory_order_acquire)) {
      std::move(done)(absl::UnavailableError("the store is closed"), batch);
      return;
    }
    Pending pending{std::move(batch), std::move(done), absl::OkStatus()};
    commit_(Group(&pending, 1));
    return;
  }
  if (caller == Caller::kMayWaitForSync && claimCommitForCaller(batch)) {
    Pending pending{std::move(batch), std::move(done), absl::OkStatus()};
    commit_(Group(&pending, 1));
    MutexLock lock(&mutex_);
    committing_ = false;
    // The writer waits for this commit if anything queued meanwhile, or to
    // see that close() found nothing left.
    if (!queue_.empty() || closing_.load(std::memory_order_relaxed)) notEmpty_.notify();
    return;
  }
  {
    MutexLock lock(&mutex_);
    if (!closing_.load(std::memory_order_relaxed)) {
      queuedOps_ += batch.size();
      queue_.push_back(Pending{std::move(batch), std::move(done), absl::OkStatus()});
      if ((queue_.size() == 1 && !committing_) || gathering_) notEmpty_.notify();
      return;
    }
  }
  std::move(done)(absl::UnavailableError("the store is closed"), batch);
}

bool GroupCommitQueue::claimCommitForCaller(const WriteBatch& batch) {
  if (!callersMayCommit_ || batch.size() > kMaxOpsCommittedByCaller ||
      syncMicros_() > kMaxSyncMicrosForCaller) {
    return false;
  }
  MutexLock lock(&mutex_);
  // Closing: submit() refuses it. Busy or queued: the batch goes after them.
  if (closing_.load(std::memory_order_relaxed) || committing_ || !queue_.empty() ||
      recentGroupOps_ > kMaxOpsCommittedByCaller) {
    return false;
  }
  committing_ = true;
  noteGroup(batch.size());
  ++callerCommits_;
  return true;
}

uint64_t GroupCommitQueue::callerCommits() const {
  MutexLock lock(&mutex_);
  return callerCommits_;
}

void GroupCommitQueue::close() {
  {
    MutexLock lock(&mutex_);
    if (closing_.exchange(true)) return;
    notEmpty_.notifyAll();
  }
  if (writer_ != nullptr) writer_->join();  // it drains the queue first
}

size_t GroupCommitQueue::takeQueued(std::vector<Pending>* group) {
  if (group->empty()) {
    group->swap(queue_);
  } else {
    for (Pending& pending : queue_) group->push_back(std::move(pending));
    queue_.clear();
  }
  const size_t ops = queuedOps_;
  queuedOps_ = 0;
  return ops;
}

void GroupCommitQueue::writerLoop() {
  std::vector<Pending> group;
  size_t lastGroupOps = 0;
  while (true) {
    {
      MutexLock lock(&mutex_);
      while ((queue_.empty() || committing_) && !closing_.load(std::memory_order_relaxed)) {
        notEmpty_.wait(&mutex_);
      }
      // Closing with a caller's commit running: what queued behind it
      // still goes after it.
      while (committing_) notEmpty_.wait(&mutex_);
      if (queue_.empty()) return;  // closing, and everything accepted is done
      committing_ = true;
      size_t ops = takeQueued(&group);
      const std::chrono::microseconds gatherFor =
          gatherTime(mode_, lastGroupOps, ops, syncMicros_());
      if (gatherFor.count() > 0) {
        const auto deadline = std::chrono::steady_clock::now() + gatherFor;
        gathering_ = true;
        while (ops + queuedOps_ < lastGroupOps * 3 / 4 &&
               !closing_.load(std::memory_order_relaxed)) {
          const auto now = std::chrono::steady_clock::now();
          if (now >= deadline) break;
          (void)notEmpty_.waitFor(&mutex_, deadline - now);
        }
        gathering_ = false;
        ops += takeQueued(&group);
      }
      lastGroupOps = ops;
      noteGroup(ops);
    }
    commit_(Group(group));
    group.clear();
    MutexLock lock(&mutex_);
    committing_ = false;
  }
}

}  // namespace muduo::kv
