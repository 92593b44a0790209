#include "services/kv/WriteCombiner.h"

#include <algorithm>

#include "muduo/base/CurrentThread.h"
#include "muduo/net/EventLoop.h"
#include "services/kv/Store.h"

namespace muduo::kv {

WriteCombiner::WriteCombiner(net::EventLoop* loop, Store* store)
    : loop_(loop), loopThreadId_(CurrentThread::tid()), store_(store) {
  loop_->assertInLoopThread();
}

WriteBatch& WriteCombiner::batchFor(size_t bytes) {
  loop_->assertInLoopThread();
  // A caller is in the middle of its work here, so the acknowledgement of
  // what goes now must come later.
  if (!entries_.empty() && bytes_ + bytes > kFlushBytes) flush(/*mayCompleteInline=*/false);
  bytes_ += bytes;
  return batch_;
}

void WriteCombiner::add(std::shared_ptr<WriteTarget> target, uint64_t tag, size_t firstOp) {
  loop_->assertInLoopThread();
  entries_.push_back(Entry{std::move(target), nullptr, tag, static_cast<uint32_t>(firstOp),
                           static_cast<uint32_t>(batch_.size() - firstOp)});
  queueFlush();
}

void WriteCombiner::add(Callback done, size_t firstOp) {
  loop_->assertInLoopThread();
  entries_.push_back(Entry{nullptr, std::move(done), 0, static_cast<uint32_t>(firstOp),
                           static_cast<uint32_t>(batch_.size() - firstOp)});
  queueFlush();
}

void WriteCombiner::submitAlone(WriteBatch batch, std::shared_ptr<WriteTarget> target,
                                uint64_t tag) {
  loop_->assertInLoopThread();
  // The combined writes so far were issued first; the store keeps the order
  // in which batches reach it.
  flush(/*mayCompleteInline=*/false);
  std::vector<Entry> entries;
  entries.push_back(Entry{std::move(target), nullptr, tag, 0, static_cast<uint32_t>(batch.size())});
  send(std::move(batch), std::move(entries), /*mayCompleteInline=*/false);
}

void WriteCombiner::queueFlush() {
  if (flushQueued_) return;
  flushQueued_ = true;
  // Runs once this iteration's events are handled: everything the loop's
  // connections sent meanwhile goes in one batch.
  loop_->queueInLoop([self = shared_from_this()] {
    self->flushQueued_ = false;
    self->flush(/*mayCompleteInline=*/true);
  });
}

void WriteCombiner::flush(bool mayCompleteInline) {
  if (entries_.empty()) return;
  const size_t ops = batch_.size();
  WriteBatch batch = std::move(batch_);
  // The next iteration is likely alike: gather it in the vectors a finished
  // batch gave back (recycle()), or in new ones of this one's size.
  batch_.ops() = std::move(spareOps_);
  batch_.clear();
  batch_.ops().reserve(ops);
  std::vector<Entry> entries = std::move(entries_);
  entries_ = std::move(spareEntries_);
  entries_.clear();
  entries_.reserve(entries.size());
  spareOps_ = std::vector<WriteOp>();
  spareEntries_ = std::vector<Entry>();
  bytes_ = 0;
  send(std::move(batch), std::move(entries), mayCompleteInline);
}

void WriteCombiner::recycle(WriteBatch& batch, std::vector<Entry>& entries) {
  // A pipelined flush holds hundreds of ops of a few hundred bytes each:
  // allocating and freeing that much every iteration cost more than the
  // copies of the keys and values (glibc consolidates its free lists on
  // every free that large).
  std::vector<WriteOp>& ops = batch.ops();
  if (ops.capacity() <= kMaxSpareOps && ops.capacity() > spareOps_.capacity()) {
    ops.clear();
    spareOps_ = std::move(ops);
  }
  if (entries.capacity() <= kMaxSpareOps && entries.capacity() > spareEntries_.capacity()) {
    entries.clear();
    spareEntries_ = std::move(entries);
  }
}

void WriteCombiner::send(WriteBatch batch, std::vector<Entry> entries, bool mayCompleteInline) {
  // From the end-of-iteration flush the loop has nothing else to do this
  // iteration: under --sync=always and batch it may commit a small batch
  // itself, as Redis does, rather than hand it to the log writer and wait
  // for a wake-up (GroupCommitQueue.h).
  const Store::Caller caller =
      mayCompleteInline ? Store::Caller::kMayWaitForSync : Store::Caller::kMustNotWait;
  store_->write(
      std::move(batch),
      [self = shared_from_this(), entries = std::move(entries), mayCompleteInline](
          absl::Status status, WriteBatch& done) mutable {
        // The store called back at once, in this thread (--sync=everysec and no,
        // or a batch the loop committed itself): from the end-of-iteration
        // flush no target is running, so complete now rather than a loop
        // iteration later.
        if (mayCompleteInline && CurrentThread::tid() == self->loopThreadId_) {
          complete(status, done, entries);
          self->recycle(done, entries);
          return;
        }
        // A copy of `self`: ours keeps the gate's mutex alive until
        // post() has unlocked it, though the loop may run the
        // functor (and drop its copy) first.
        self->post([self, status = std::move(status), done = std::move(done),
                    entries = std::move(entries)]() mutable {
          complete(status, done, entries);
          self->recycle(done, entries);
        });
      },
      caller);
}

void WriteCombiner::post(absl::AnyInvocable<void()> f) {
  // Under the gate: the loop cannot be destroyed between the check and the
  // queueing (its server detaches us first).
  MutexLock lock(&gateMutex_);
  if (!detached_) loop_->queueInLoop(std::move(f));
}

void WriteCombiner::detach() {
  MutexLock lock(&gateMutex_);
  detached_ = true;
}

void WriteCombiner::complete(const absl::Status& status, WriteBatch& batch,
                             std::vector<Entry>& entries) {
  std::vector<WriteTarget*> touched;
  for (Entry& entry : entries) {
    const std::span<WriteOp> ops =
        std::span<WriteOp>(batch.ops()).subspan(entry.firstOp, entry.numOps);
    if (entry.target != nullptr) {
      entry.target->writeDone(entry.tag, ops, status);
      // A connection's pipelined writes sit next to each other.
      if (touched.empty() || touched.back() != entry.target.get()) {
        touched.push_back(entry.target.get());
      }
    } else {
      entry.callback(status, ops);
    }
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  // `entries` keeps every target alive until this returns.
  for (WriteTarget* target : touched) target->writesDone();
}

}  // namespace muduo::kv
