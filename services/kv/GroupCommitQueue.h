// GroupCommitQueue: the store's write pipeline up to the log. It takes
// accepted write batches and hands them, in arrival order, to a commit
// function in groups, so one fdatasync(2) covers many batches:
//
//   kAlways    a writer thread ("kv-log") takes everything queued as one
//              group the moment the previous group's commit returns: while
//              it writes and syncs group N, the I/O loops queue group N+1
//              (a pipeline of two cohorts, no deliberate wait).
//   kBatch     the same, after waiting briefly for stragglers when far
//              fewer writes wait than last time (gatherTime()).
//   kEverySec  no thread: submit() commits the batch in the caller's thread
//   kNone      (a write(2) to the page cache is cheaper than a thread hop;
//              everysec's fdatasync runs in a thread of its own).
//
// Under kAlways and kBatch a caller that may wait for a sync (an I/O loop
// at the end of an iteration: Caller::kMayWaitForSync) commits a small
// batch itself when the writer is idle and nothing is queued, as Redis
// does in beforeSleep. That is the cheaper pipeline when few writes wait:
// no hand-off to the writer and back (a futex and an eventfd wake-up, two
// context switches), and the loop, blocked in the sync, reads the next
// cohort whole afterwards instead of waking for each request of it as it
// trickles in (at redis-benchmark -c 50 -P 1: 2.12 syscalls and 0.15
// context switches per SET instead of 2.70 and 0.39, and 26 writes per
// fdatasync instead of 15). But a loop with work to do during a sync is
// better off handing it over: at -P 16 the writer syncs one cohort while
// the loop parses the next, which Redis cannot; and so is a loop whose
// syncs are slow (a busy disk, or a machine busy enough that every wake-up
// waits for a CPU: both make syncs slow): it would hold its reads for the
// whole sync and add its own work and wake-ups to every cycle (at -P 1 on
// this machine under other builds, the writer's pipeline ran 2-3x Redis's
// throughput, the loop's own syncs 1x). So a caller commits only when its
// batch and the recent groups are small (a moving average of ops per group,
// whoever committed them) and the recent syncs were short; otherwise, and
// while a group commits, the batch goes to the writer.
//
// It owns the queue and the thread, not the log: what a commit means (check
// conditions, write the log, apply, call back) is the commit function's.
//
// Thread contract: submit() and close() may be called from any thread. The
// commit function runs in the writer thread (kAlways, kBatch) or in
// submit()'s caller (kEverySec, kNone; kAlways and kBatch with
// kMayWaitForSync). Under kAlways and kBatch one group commits at a time
// (the writer's or a caller's); under kEverySec and kNone several callers
// may commit at once, so it serializes itself. close() must not be called
// from the commit function or from a callback it runs.
#ifndef SERVICES_KV_GROUPCOMMITQUEUE_H_
#define SERVICES_KV_GROUPCOMMITQUEUE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "muduo/base/Mutex.h"
#include "services/kv/SyncMode.h"
#include "services/kv/WriteBatch.h"

namespace muduo {
class Thread;
}  // namespace muduo

namespace muduo::kv {

class GroupCommitQueue {
 public:
  // Runs exactly once per accepted batch; Store::WriteCallback documents it.
  using Callback = absl::AnyInvocable<void(absl::Status status, WriteBatch& batch) &&>;
  struct Pending {
    WriteBatch batch;
    Callback done;
    absl::Status refused;  // set by the commit function: this batch alone fails
  };
  using Group = std::span<Pending>;
  // Commits a group and runs every `done` in it.
  using CommitFunction = absl::AnyInvocable<void(Group group)>;
  // The recent fdatasync time, in microseconds (0: not known yet).
  using SyncEstimate = absl::AnyInvocable<uint64_t() const>;

  // Starts the writer thread if `mode` syncs before acknowledging.
  // `callersMayCommit` false: kMayWaitForSync is treated as kMustNotWait.
  GroupCommitQueue(SyncMode mode, CommitFunction commit, SyncEstimate syncMicros,
                   bool callersMayCommit = true);
  ~GroupCommitQueue();  // close()
  GroupCommitQueue(const GroupCommitQueue&) = delete;
  GroupCommitQueue& operator=(const GroupCommitQueue&) = delete;

  enum class Caller {
    kMustNotWait,     // queue the batch for the writer thread
    kMayWaitForSync,  // may commit it here, waiting for its sync (above)
  };
  // A caller commits only a batch of at most this many ops, and only while
  // the recent groups averaged at most this many: a loop gathering more
  // per sync is busy enough to use the sync's time. (Fifty clients without
  // pipelining bring at most 50 per sync; with -P 16 every connection
  // brings 16, and the groups hold hundreds.)
  static constexpr size_t kMaxOpsCommittedByCaller = 64;
  // ... and only while the recent syncs (SyncEstimate) took at most this.
  static constexpr uint64_t kMaxSyncMicrosForCaller = 500;

  // Queues the batch (or, under kEverySec and kNone, commits it now; see
  // Caller for kAlways and kBatch). `done` may run before this returns,
  // in this thread. After close(), `done` runs at once with UNAVAILABLE.
  void submit(WriteBatch batch, Callback done, Caller caller = Caller::kMustNotWait);

  // Refuses later batches, commits those already accepted and stops the
  // thread. Idempotent.
  void close();

  // Groups committed by callers that may wait (kAlways and kBatch).
  [[nodiscard]] uint64_t callerCommits() const;

  // How long the writer waits for more writes before committing `ops` ops
  // when the previous group had `lastGroupOps`; zero: commit now. Group
  // commit's weak spot: clients acknowledged together send their next
  // writes together, but not at the same instant; a sync started on the
  // first few makes the rest wait a whole sync more, and the load splits
  // into cohorts that each get half the syncs. So when far fewer writes
  // wait than went into the last sync, wait briefly (at most half a sync,
  // at most 1 ms) for the others to catch up.
  [[nodiscard]] static std::chrono::microseconds gatherTime(SyncMode mode, size_t lastGroupOps,
                                                            size_t ops, uint64_t syncMicros);

 private:
  void writerLoop();
  // Under kAlways and kBatch, with the writer idle and nothing queued:
  // claims the commit for the caller. False: queue the batch.
  bool claimCommitForCaller(const WriteBatch& batch) ABSL_LOCKS_EXCLUDED(mutex_);
  // Moves the queue into *group; returns its ops.
  size_t takeQueued(std::vector<Pending>* group) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void noteGroup(size_t ops) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    recentGroupOps_ = (recentGroupOps_ * 7 + ops) / 8;
  }

  const SyncMode mode_;
  // Called by the writer thread or submit() (one at a time with a writer).
  CommitFunction commit_;
  const SyncEstimate syncMicros_;
  const bool callersMayCommit_;

  mutable Mutex mutex_;
  Condition notEmpty_;
  std::vector<Pending> queue_ ABSL_GUARDED_BY(mutex_);
  size_t queuedOps_ ABSL_GUARDED_BY(mutex_) = 0;
  bool gathering_ ABSL_GUARDED_BY(mutex_) = false;  // the writer waits for more
  // A group is being committed (by the writer or a caller): the next one
  // waits, so groups reach the commit function one at a time, in order.
  bool committing_ ABSL_GUARDED_BY(mutex_) = false;
  // Ops per group, a moving average over about the last eight groups.
  size_t recentGroupOps_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t callerCommits_ ABSL_GUARDED_BY(mutex_) = 0;
  // Written under mutex_; read without it on the inline (no thread) path.
  std::atomic<bool> closing_{false};
  std::unique_ptr<Thread> writer_;  // null without a thread; joined by the first close()
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_GROUPCOMMITQUEUE_H_
