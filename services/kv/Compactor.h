// Compactor: turns the finished logs into the next snapshot, in a thread of
// its own ("kv-compact"), so restart time stays bounded by the live data.
//
// After each group the store calls maybeStart(); when the CompactionPolicy
// says so, the LogWriter switches to a fresh log and a thread builds the
// next snapshot from the previous one plus the finished logs (never from
// the live table, so it locks nothing readers or writers need), syncs it,
// renames it into place, syncs the directory and only then deletes what it
// replaces. A crash at any point leaves a snapshot and the complete chain
// of logs after it. A failed directory sync fails the LogWriter (the
// snapshot's name may or may not be durable); other failures only retry
// later.
//
// Thread contract: maybeStart() is called by the store's committer (one at
// a time, between log appends); waitForCompaction(), compactions() and
// close() from any thread. At most one compaction runs at a time.
#ifndef SERVICES_KV_COMPACTOR_H_
#define SERVICES_KV_COMPACTOR_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "muduo/base/Mutex.h"
#include "services/kv/CompactionPolicy.h"
#include "services/kv/LogWriter.h"

namespace muduo {
class Thread;
}  // namespace muduo

namespace muduo::kv {

class DataDir;

class Compactor {
 public:
  // `dir` and `log` must outlive the Compactor.
  Compactor(const DataDir* dir, LogWriter* log, CompactionPolicy policy);
  ~Compactor();  // close()
  Compactor(const Compactor&) = delete;
  Compactor& operator=(const Compactor&) = delete;

  // Starts a compaction if none runs, the compactor is open and the policy
  // finds the logs due against `liveBytes` of live data.
  void maybeStart(uint64_t liveBytes);
  // Waits until no compaction runs.
  void waitForCompaction();
  [[nodiscard]] uint64_t compactions() const;
  // Abandons a running compaction (its partial snapshot is removed) and
  // waits for its thread; no compaction starts afterwards. Idempotent.
  void close();

 private:
  void run(LogWriter::CompactionJob job);
  // Builds, syncs and renames the snapshot; removes what it replaces.
  // *dirSyncFailed: the rename's durability is unknown.
  [[nodiscard]] absl::Status build(const LogWriter::CompactionJob& job, bool* dirSyncFailed);

  const DataDir* const dir_;
  LogWriter* const log_;

  mutable Mutex mutex_;
  Condition done_;
  CompactionPolicy policy_ ABSL_GUARDED_BY(mutex_);
  bool compacting_ ABSL_GUARDED_BY(mutex_) = false;
  uint64_t compactions_ ABSL_GUARDED_BY(mutex_) = 0;
  std::unique_ptr<Thread> thread_ ABSL_GUARDED_BY(mutex_);
  // Set by close(); read by maybeStart() and, between snapshot records, by
  // the compaction thread.
  std::atomic<bool> cancel_{false};
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_COMPACTOR_H_
