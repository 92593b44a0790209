#include "services/kv/WriteCombiner.h"

#include <span>

#include "muduo/base/CurrentThread.h"
#include "muduo/net/EventLoop.h"
#include "services/kv/RespSession.h"
#include "services/kv/Store.h"

namespace muduo::kv {

WriteCombiner::WriteCombiner(net::EventLoop* loop, Store* store)
    : loop_(loop), loopThreadId_(CurrentThread::tid()), store_(store) {
  loop_->assertInLoopThread();
}

WriteBatch& WriteCombiner::batchFor(size_t bytes) {
  loop_->assertInLoopThread();
  // A session is in the middle of its parse here, so the acknowledgement of
  // what goes now must come later.
  if (!targets_.empty() && bytes_ + bytes > kFlushBytes) flush(/*mayCompleteInline=*/false);
  bytes_ += bytes;
  return batch_;
}

void WriteCombiner::add(std::shared_ptr<RespSession> session, uint64_t slot, RespWrite kind,
                        size_t firstOp) {
  loop_->assertInLoopThread();
  targets_.push_back(Target{std::move(session), slot, kind, static_cast<uint32_t>(firstOp),
                            static_cast<uint32_t>(batch_.size() - firstOp)});
  if (!flushQueued_) {
    flushQueued_ = true;
    // Runs once this iteration's events are handled: everything the loop's
    // connections sent meanwhile goes in one batch.
    loop_->queueInLoop([self = shared_from_this()] {
      self->flushQueued_ = false;
      self->flush(/*mayCompleteInline=*/true);
    });
  }
}

void WriteCombiner::flush(bool mayCompleteInline) {
  if (targets_.empty()) return;
  const size_t ops = batch_.size();
  WriteBatch batch = std::move(batch_);
  batch_.clear();
  batch_.ops().reserve(ops);  // the next iteration is likely alike
  std::vector<Target> targets = std::move(targets_);
  targets_.clear();
  targets_.reserve(targets.size());
  bytes_ = 0;
  store_->write(
      std::move(batch), [self = shared_from_this(), targets = std::move(targets),
                         mayCompleteInline](absl::Status status, WriteBatch& done) mutable {
        // Under --sync=none the store calls back at once, in this thread: from
        // the end-of-iteration flush no session is running, so complete now
        // rather than a loop iteration later.
        if (mayCompleteInline && CurrentThread::tid() == self->loopThreadId_) {
          complete(status, done, targets);
          return;
        }
        self->post([status = std::move(status), done = std::move(done),
                    targets = std::move(targets)]() mutable { complete(status, done, targets); });
      });
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
                             std::vector<Target>& targets) {
  std::vector<RespSession*> touched;
  for (Target& target : targets) {
    target.session->completeWrite(
        target.slot, target.kind,
        std::span<WriteOp>(batch.ops()).subspan(target.firstOp, target.numOps), status);
    if (target.session->scheduleFlush()) touched.push_back(target.session.get());
  }
  // `targets` keeps every session alive until this returns.
  for (RespSession* session : touched) session->flush();
}

}  // namespace muduo::kv
