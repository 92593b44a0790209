#include "services/kv/ExpirySweeper.h"

#include <utility>

#include "muduo/base/Thread.h"

namespace muduo::kv {

ExpirySweeper::ExpirySweeper(std::chrono::milliseconds interval, Collect collect, Write write)
    : interval_(interval), collect_(std::move(collect)), write_(std::move(write)) {
  thread_ = std::make_unique<Thread>([this] { loop(); }, "kv-expire");
  thread_->start();
}

ExpirySweeper::~ExpirySweeper() { stop(); }

void ExpirySweeper::stop() {
  {
    MutexLock lock(&mutex_);
    if (stopping_.exchange(true)) return;
    wake_.notifyAll();
  }
  thread_->join();
}

void ExpirySweeper::loop() {
  std::vector<std::string> keys;
  while (!stopping_.load(std::memory_order_acquire)) {
    {
      MutexLock lock(&mutex_);
      if (stopping_.load(std::memory_order_acquire)) break;
      (void)wake_.waitFor(&mutex_, interval_);
    }
    for (int round = 0; round < kBatchesPerWakeup && !stopping_.load(std::memory_order_acquire);
         ++round) {
      if (!sweepBatch(&keys)) break;
    }
  }
}

bool ExpirySweeper::sweepBatch(std::vector<std::string>* keys) {
  keys->clear();
  collect_(kBatchKeys, keys);
  if (keys->empty()) return false;
  const size_t collected = keys->size();
  WriteBatch batch;
  for (std::string& key : *keys) {
    batch.remove(std::move(key)).condition = WriteOp::Condition::kExpired;
  }
  Mutex doneMutex;
  Condition done;
  bool finished = false;
  bool ok = false;
  write_(std::move(batch), [&](absl::Status status, WriteBatch& b) {
    uint64_t deleted = 0;
    for (const WriteOp& op : b.ops()) deleted += op.outcome == WriteOp::Outcome::kApplied;
    expired_.fetch_add(deleted, std::memory_order_relaxed);
    MutexLock lock(&doneMutex);
    ok = status.ok();
    finished = true;
    done.notify();
  });
  MutexLock lock(&doneMutex);
  while (!finished) done.wait(&doneMutex);
  return ok && collected == kBatchKeys;
}

}  // namespace muduo::kv
