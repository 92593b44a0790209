// LogWriter: the store's chain of files since the last snapshot, and the
// one log at its end that writes are appended to. It appends a group's
// records (and, unless SyncMode::kNone, syncs them), decides what a failed
// write or sync means for the batch, switches to a fresh log when a
// compaction starts and drops the logs a finished compaction replaced.
//
// After an I/O error it fails for good: every later append() gets
// UNAVAILABLE naming the cause, and health() reports it (retrying is not
// safe: after a failed fsync Linux may report the next one as a success
// although the dropped pages are gone). A restart clears it.
//
// Thread contract: every method may be called from any thread; one mutex,
// held across a write and its sync, serializes them. health() does not wait
// for that mutex. Appends come from one committer at a time (the store's),
// and rotate() from that same committer between appends, so a log is never
// switched under a group.
#ifndef SERVICES_KV_LOGWRITER_H_
#define SERVICES_KV_LOGWRITER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "muduo/base/Mutex.h"
#include "services/kv/SyncMode.h"

namespace muduo::kv {

class DataDir;
class WritableFile;

class LogWriter {
 public:
  // The files a compaction turns into the next snapshot.
  struct CompactionJob {
    std::optional<uint64_t> snapshot;  // the snapshot to start from
    std::vector<uint64_t> logs;        // the logs after it, all finished
    uint64_t logBytes = 0;             // their total size
    uint64_t newGeneration = 0;        // of the snapshot to write
  };

  struct Stats {
    uint64_t logBytes = 0;    // in the logs since the last snapshot
    uint64_t syncMicros = 0;  // time spent in fdatasync
    uint64_t generation = 0;  // of the current log
  };

  // Continues the chain recovery found: `log` is logs.back(), open for
  // appending; `logBytes` counts every file in `logs`.
  LogWriter(const DataDir* dir, SyncMode sync, std::unique_ptr<WritableFile> log,
            std::optional<uint64_t> snapshot, std::vector<uint64_t> logs, uint64_t logBytes);
  ~LogWriter();  // close()
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // OK while appends may succeed; otherwise the failure, or UNAVAILABLE once
  // closed. What append() would answer before it touches the file.
  [[nodiscard]] absl::Status writable() const;

  // Appends one group's records and (unless kNone) syncs them. OK: durable
  // as the mode promises. Otherwise (and the log fails for good):
  //   write(2) fails    -> INTERNAL, not applied (the log is cut back to
  //                        before the group; if even that fails, UNKNOWN)
  //   fdatasync fails   -> UNKNOWN: the records reached the page cache and
  //                        may or may not be there after a restart
  // Without appending: the failure if failed before, UNAVAILABLE if closed.
  [[nodiscard]] absl::Status append(std::string_view records);

  // Starts log generation+1 and returns the finished files for a compaction.
  // The new log's name is durable first, and (under kNone) the old log is
  // synced, so every log but the last is whole on disk. An error opening the
  // new log is returned for a later retry; a failed sync fails the log.
  [[nodiscard]] absl::StatusOr<CompactionJob> rotate();
  // The job's snapshot is durable: forget the files it replaced.
  void compacted(const CompactionJob& job);

  // Makes the log fail for good (see the class comment); the first cause wins.
  void fail(const absl::Status& cause);
  // OK, or UNAVAILABLE with the failure. Never waits for a sync.
  [[nodiscard]] absl::Status health() const;

  [[nodiscard]] uint64_t logBytes() const;
  // A moving average of recent fdatasync times; 0 before the first.
  [[nodiscard]] uint64_t recentSyncMicros() const {
    return syncMicrosEwma_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] Stats stats() const;

  // Syncs (unless failed) and closes the log; later appends get
  // UNAVAILABLE. Idempotent. False if it was already closed.
  bool close();

 private:
  void failLocked(const absl::Status& cause) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  [[nodiscard]] absl::Status syncLog() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const DataDir* const dir_;
  const SyncMode sync_;

  mutable Mutex mutex_;
  std::unique_ptr<WritableFile> log_ ABSL_GUARDED_BY(mutex_);
  uint64_t generation_ ABSL_GUARDED_BY(mutex_);  // of log_
  std::optional<uint64_t> snapshot_ ABSL_GUARDED_BY(mutex_);
  std::vector<uint64_t> logs_ ABSL_GUARDED_BY(mutex_);  // since snapshot_, log_'s last
  uint64_t logBytes_ ABSL_GUARDED_BY(mutex_);           // in logs_
  absl::Status failure_ ABSL_GUARDED_BY(mutex_);        // sticky after an I/O error
  bool closed_ ABSL_GUARDED_BY(mutex_) = false;
  uint64_t syncMicros_ ABSL_GUARDED_BY(mutex_) = 0;
  std::atomic<uint64_t> syncMicrosEwma_{0};

  // failure_, readable without waiting for a group's fdatasync.
  mutable Mutex healthMutex_;
  absl::Status health_ ABSL_GUARDED_BY(healthMutex_);
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_LOGWRITER_H_
