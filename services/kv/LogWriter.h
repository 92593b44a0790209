// LogWriter: the store's chain of files since the last snapshot, and the
// one log at its end that writes are appended to. It appends a group's
// records and syncs them as the SyncMode says, decides what a failed write
// or sync means for the batch, switches to a fresh log when a compaction
// starts and drops the logs a finished compaction replaced.
//
//   kAlways, kBatch  append() returns after write(2) and an fdatasync(2)
//                    covering the records.
//   kEverySec        append() returns after write(2); syncWritten(), called
//                    once a second by the store's BackgroundSyncer, syncs
//                    what was written before it started, without holding
//                    up appends. What a power loss can take: acknowledged
//                    writes no completed sync covers, i.e. those since the
//                    start of the last completed one (about a second, plus
//                    that sync's time). A sync still running when the next
//                    second comes is not doubled (the next starts as it
//                    returns); once the oldest write no completed sync covers
//                    is Options::maxLag (2 s) old, append() waits for a sync
//                    to finish before returning (counted as postponed), so
//                    the acknowledged writes a power loss takes always lie
//                    within 2 s of each other even when the disk stalls.
//                    Redis postpones its write(2) for up to 2 s, then writes
//                    anyway; we hold the acknowledgement instead.
//   kNone            append() returns after write(2); only rotate() and
//                    close() sync.
//
// Reserved space: with Options::reserveBytes, the log is zero-filled that
// far ahead of its records (WritableFile::reserve) whenever an append leaves
// less than half of it. Appends then overwrite allocated blocks inside the file's
// length, so each fdatasync writes the data only; an append that grew the
// file would also commit the new size and extents through the file
// system's journal. Recovery reads the zeros after the last record as the
// log's clean end and trims them (LogFormat.h); rotate() trims the log it
// finishes before the next exists, and close() trims too, so only the last
// log can end in zeros. A failed reservation (a full disk) is a failed
// write: INTERNAL, the group cut back out, and the log fails for good. What a
// power loss leaves: the reserved zeros are durable once a sync covered
// them, and an unsynced append over them may or may not be there, page by
// page (not only as a prefix, as the file's size would make it): never a
// loss of anything acknowledged, at worst a torn group that start-up
// refuses as damage (README.md).
//
// Zero-filled rather than fallocate(2)'d: writing into unwritten extents
// converts them, a metadata change again in the very syncs this spares.
//
// After an I/O error it fails for good: every later append() gets
// UNAVAILABLE naming the cause, and health() reports it (retrying is not
// safe: after a failed fsync Linux may report the next one as a success
// although the dropped pages are gone). A failed background sync (everysec)
// fails it the same way, logged with what may be lost. A restart clears it.
//
// Thread contract: every method may be called from any thread. One mutex,
// held across a write and (kAlways, kBatch) its sync, serializes appends;
// a background sync holds only syncMutex_ while in fdatasync(2), so appends
// go on meanwhile. health() does not wait for either. Appends come from one
// committer at a time (the store's), and rotate() from that same committer
// between appends, so a log is never switched under a group; rotate() and
// close() wait for a background sync in progress.
#ifndef SERVICES_KV_LOGWRITER_H_
#define SERVICES_KV_LOGWRITER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
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
    uint64_t syncs = 0;       // fdatasyncs of a log, of every kind
    uint64_t syncMicros = 0;  // time spent in them
    uint64_t generation = 0;  // of the current log
    // kEverySec: syncWritten()'s syncs started and completed, and appends
    // that waited for a sync (see the class comment).
    uint64_t backgroundSyncsStarted = 0;
    uint64_t backgroundSyncs = 0;
    uint64_t postponedAppends = 0;
  };

  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  struct Options {
    // kEverySec: how old the oldest write no completed sync covers may get
    // before append() waits for a sync.
    std::chrono::milliseconds maxLag{2000};
    Clock clock;  // empty: steady_clock; tests pass a fake one
    // How far ahead of its records the log is zero-filled (see above); 0:
    // not at all, every append grows the file.
    uint64_t reserveBytes = kDefaultReserveBytes;
  };
  static constexpr uint64_t kDefaultReserveBytes = 4 << 20;

  // Continues the chain recovery found: `log` is logs.back(), open for
  // appending; `logBytes` counts every file in `logs`.
  LogWriter(const DataDir* dir, SyncMode sync, std::unique_ptr<WritableFile> log,
            std::optional<uint64_t> snapshot, std::vector<uint64_t> logs, uint64_t logBytes,
            Options options);
  LogWriter(const DataDir* dir, SyncMode sync, std::unique_ptr<WritableFile> log,
            std::optional<uint64_t> snapshot, std::vector<uint64_t> logs, uint64_t logBytes);
  ~LogWriter();  // close()
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // OK while appends may succeed; otherwise the failure, or UNAVAILABLE once
  // closed. What append() would answer before it touches the file.
  [[nodiscard]] absl::Status writable() const;

  // Appends one group's records and (kAlways, kBatch) syncs them. OK:
  // durable as the mode promises. Otherwise (and the log fails for good):
  //   write(2) fails    -> INTERNAL, not applied (the log is cut back to
  //                        before the group; if even that fails, UNKNOWN)
  //   fdatasync fails   -> UNKNOWN: the records reached the page cache and
  //                        may or may not be there after a restart (also
  //                        under kEverySec when a background sync fails
  //                        while the append waits for one)
  // Without appending: the failure if failed before, UNAVAILABLE if closed.
  [[nodiscard]] absl::Status append(std::string_view records);

  // kEverySec's background sync: fdatasync(2) of the current log, covering
  // every append that returned before it started. OK at once if nothing was
  // written since the last sync started. A failure fails the log for good
  // (and is returned); so does one before it.
  [[nodiscard]] absl::Status syncWritten();

  // Starts log generation+1 and returns the finished files for a compaction.
  // The new log's name is durable first, and (kEverySec, kNone) the old log
  // is synced, so every log but the last is whole on disk. An error opening the
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
  // fdatasync of `file`, timed into *micros; touches no member.
  [[nodiscard]] static absl::Status timedSync(WritableFile* file, uint64_t* micros);
  void countSync(uint64_t micros) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Syncs log_ under mutex_ (kAlways, kBatch, rotate(), close()): it then
  // covers every byte written.
  [[nodiscard]] absl::Status syncLog() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // After an append: zero-fills the log reserveBytes_ past its end once less
  // than half of that is left.
  [[nodiscard]] absl::Status reserveAhead() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Cuts the log's reserved zeros off (and syncs it); before a log is
  // finished, so only the last log ends in zeros.
  [[nodiscard]] absl::Status trimLog() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // kEverySec: returns once the oldest write no completed sync covers is at
  // most maxLag old (at once, unless a sync lags).
  [[nodiscard]] absl::Status waitWhileSyncLags() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const DataDir* const dir_;
  const SyncMode sync_;
  const std::chrono::milliseconds maxLag_;
  const Clock clock_;
  const uint64_t reserveBytes_;

  // Held across a background sync, and by rotate() and close() (before
  // mutex_), so log_ is not switched or closed under that sync.
  Mutex syncMutex_;
  mutable Mutex mutex_;
  std::unique_ptr<WritableFile> log_ ABSL_GUARDED_BY(mutex_);
  uint64_t generation_ ABSL_GUARDED_BY(mutex_);  // of log_
  std::optional<uint64_t> snapshot_ ABSL_GUARDED_BY(mutex_);
  std::vector<uint64_t> logs_ ABSL_GUARDED_BY(mutex_);  // since snapshot_, log_'s last
  uint64_t logBytes_ ABSL_GUARDED_BY(mutex_);           // in logs_
  uint64_t reservedEnd_ ABSL_GUARDED_BY(mutex_);        // log_'s length, zeros included
  absl::Status failure_ ABSL_GUARDED_BY(mutex_);        // sticky after an I/O error
  bool closed_ ABSL_GUARDED_BY(mutex_) = false;
  uint64_t syncs_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t syncMicros_ ABSL_GUARDED_BY(mutex_) = 0;
  std::atomic<uint64_t> syncMicrosEwma_{0};
  // kEverySec: when the first write after the last started sync was made,
  // and the same for the sync in flight (its oldest write); empty: none.
  std::optional<std::chrono::steady_clock::time_point> unsyncedSince_ ABSL_GUARDED_BY(mutex_);
  std::optional<std::chrono::steady_clock::time_point> inFlightSince_ ABSL_GUARDED_BY(mutex_);
  Condition syncDone_;  // a sync completed, failed, or the log closed
  uint64_t backgroundSyncsStarted_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t backgroundSyncs_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t postponedAppends_ ABSL_GUARDED_BY(mutex_) = 0;

  // failure_, readable without waiting for a group's fdatasync.
  mutable Mutex healthMutex_;
  absl::Status health_ ABSL_GUARDED_BY(healthMutex_);
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_LOGWRITER_H_
