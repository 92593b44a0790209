// Store: the durable, ordered key-value store behind every KV front end.
//
// Reads are served from an in-memory Table under a reader-writer lock: they
// never wait for the disk, only (briefly) for the log writer applying a
// group of writes. Writes go through the log in --data_dir first:
//
//   write(batch, done) -> queue -> log writer thread: check conditions,
//   encode one record per batch, one write(2) and one fdatasync(2) for the
//   whole group (group commit), apply the group to the Table in log order
//   under the write lock, then run every `done`.
//
// (An I/O loop with a small batch and an idle writer runs those steps
// itself, when its caller says it may wait for the sync: GroupCommitQueue.h.)
//
// So under SyncMode::kAlways (and kBatch, which waits briefly for
// stragglers before each sync) a write is visible only once it is durable,
// an acknowledged write is visible to every later read, and a read never
// sees a write a crash could still take back. While the writer syncs one
// group, the next one queues, and goes as soon as the sync returns.
// SyncMode::kEverySec and kNone skip that fsync and run the whole pipeline in
// the caller's thread (a write(2) to the page cache is cheaper than a
// thread hop): their writes survive the process being killed. Under
// kEverySec a BackgroundSyncer thread syncs the log once a second, so a
// power loss takes at most about the last second or two of acknowledged
// writes (LogWriter.h states the bound); under kNone the machine losing
// power may take any unsynced write. Either way a power loss never leaves
// a batch half applied: recovery cuts a torn record off whole.
//
// On open() recoverDirectory() (Recovery.h) loads the newest snapshot and
// replays the logs after it. A bad record at the end of the last log with
// nothing valid after it is a torn write: it is reported (LOG_WARN) and cut
// off. Any other bad record (valid records after it, or in an earlier log
// or a snapshot) is damage: open() fails with DATA_LOSS naming the file,
// the offset and what follows, and repair() salvages explicitly. A file of
// a newer format version is refused (FAILED_PRECONDITION); header-less
// files of the first format are read as version 0 (LogFormat.h).
// Once the logs since the snapshot outgrow the live data (Options), the
// Compactor builds the next snapshot in a thread of its own.
//
// The Store is the coordinator: it owns the table and its reader-writer
// lock, and serves reads; it wires the write path, which is
//   GroupCommitQueue  the queue, group commit and the writer thread
//   commitGroup()     evaluation (Evaluator) under the commit mutex
//   LogWriter         the log files, append + fdatasync, failure semantics
//   BackgroundSyncer  kEverySec's once-a-second fdatasync thread
//   Compactor         the snapshot trigger and thread
//   ExpirySweeper     the thread deleting expired keys through write()
// Locks, outermost first: commitMutex_, then the Compactor's, the
// LogWriter's, tableMutex_.
//
// Thread safety: every public method may be called from any thread, except
// that close() and the destructor must not run in a write callback. Write
// callbacks run in the log writer thread (kAlways, kBatch) or in the
// caller's thread before write() returns (kEverySec, kNone, kAlways and
// kBatch when the caller says it may wait for the sync, and for rejected
// batches); they must not block. A callback may call write() again.
#ifndef SERVICES_KV_STORE_H_
#define SERVICES_KV_STORE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "muduo/base/Mutex.h"
#include "services/kv/Evaluator.h"
#include "services/kv/GroupCommitQueue.h"
#include "services/kv/SharedMutex.h"
#include "services/kv/SyncMode.h"
#include "services/kv/Table.h"
#include "services/kv/WriteBatch.h"

namespace muduo::kv {

class BackgroundSyncer;
class Compactor;
class DataDir;
class Env;
class ExpirySweeper;
class LogWriter;

class Store {
 public:
  struct Options {
    std::string dir;
    // Every file operation goes through it; tests pass a FaultInjectionEnv.
    // Must outlive the store. nullptr: Env::posix().
    Env* env = nullptr;
    SyncMode sync = SyncMode::kAlways;
    // kAlways, kBatch: whether write(..., kMayWaitForSync) may commit in the
    // caller's thread (GroupCommitQueue.h). False: always the log writer.
    bool syncInLoop = true;
    // kEverySec: how often the log is synced in the background. Tests
    // shorten it.
    std::chrono::milliseconds everysecInterval{1000};
    // How far ahead of its records the log is zero-filled, so each
    // fdatasync writes data, not the file's growing size (LogWriter.h);
    // 0: not at all.
    uint64_t logReserveBytes = 4 << 20;
    // Compact once the logs since the last snapshot hold more than both
    // compactionMinBytes and compactionRatio times the live data.
    uint64_t compactionMinBytes = 64 << 20;
    double compactionRatio = 2.0;
    // Unix time in ms, for key expiry; null: the system clock. For tests.
    std::function<int64_t()> clock;
    // How often expired keys are looked for and deleted (through the log);
    // zero: never (reads still hide them).
    std::chrono::milliseconds expiryInterval{100};
  };

  // `status` is OK when the batch is durable and applied (each op's outcome
  // says what it did); otherwise nothing of it was applied.
  using WriteCallback = GroupCommitQueue::Callback;

  struct Stats {
    size_t keys = 0;
    uint64_t liveBytes = 0;
    uint64_t logBytes = 0;  // in the logs since the last snapshot
    uint64_t groups = 0;    // log writes (one per fsync under kAlways, kBatch)
    uint64_t batches = 0;
    uint64_t syncs = 0;       // fdatasyncs of the log, of every kind
    uint64_t syncMicros = 0;  // time spent in them
    // kEverySec: background syncs started and completed, and writes whose
    // acknowledgement waited for a lagging one (LogWriter.h).
    uint64_t backgroundSyncsStarted = 0;
    uint64_t backgroundSyncs = 0;
    uint64_t postponedWrites = 0;
    uint64_t compactions = 0;
    uint64_t generation = 0;   // of the current log
    size_t expiringKeys = 0;   // keys with an expiry time
    uint64_t expiredKeys = 0;  // deleted by the expiry sweep
  };

  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Store>> open(Options options);
  // Rewrites every damaged log and snapshot in options.dir with just its
  // valid records (resynchronising on the next valid header and checksum
  // after each bad stretch), keeps each original as <file>.corrupt, and
  // returns a report of what was dropped (file, offsets, bytes). Takes the
  // directory's lock: the store must not be open.
  [[nodiscard]] static absl::StatusOr<std::string> repair(Options options);
  ~Store();  // close()
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Reads. None of them sees a key whose expiry time has passed.
  [[nodiscard]] bool get(std::string_view key, std::string* value) const;
  // Calls `f` with the value under the read lock, without copying it; keep `f`
  // short. False (f not called) if absent.
  bool read(std::string_view key, absl::FunctionRef<void(std::string_view)> f) const;
  [[nodiscard]] bool contains(std::string_view key) const;
  // Calls f(i, value of keys[i] or nullptr) for each key, all under one read
  // lock: a consistent view (a batch is seen whole or not at all).
  void readEach(std::span<const std::string_view> keys,
                absl::FunctionRef<void(size_t, const std::string*)> f) const;
  // Keys in [start, end) in order (end nullopt: to the last key), up to
  // `limit` entries and about `maxBytes` of keys and values. *more says
  // whether entries were left out.
  std::vector<std::pair<std::string, std::string>> scan(std::string_view start,
                                                        std::optional<std::string_view> end,
                                                        size_t limit, size_t maxBytes,
                                                        bool* more) const;
  // Milliseconds until the key expires: -2 if it is absent, -1 if it does
  // not expire (Redis's PTTL).
  [[nodiscard]] int64_t ttlMillis(std::string_view key) const;
  // The key's expiry time (unix ms), 0 if it has none; nullopt if absent.
  [[nodiscard]] std::optional<int64_t> expireAt(std::string_view key) const;
  // The number of keys, counting expired ones not yet deleted (as Redis's
  // DBSIZE does).
  [[nodiscard]] size_t size() const;
  // Calls f for up to `limit` live keys >= start, in order, under one read
  // lock. Returns the first key not visited, nullopt when none is left.
  std::optional<std::string> keysFrom(std::string_view start, size_t limit,
                                      absl::FunctionRef<void(std::string_view key)> f) const;
  // Some live key, nullopt if there is none. Not uniform: keys after a
  // long gap in the key space come up more often.
  [[nodiscard]] std::optional<std::string> randomKey() const;
  [[nodiscard]] int64_t now() const;

  // The first key after every key with this prefix; nullopt when none
  // exists (the prefix is empty or all 0xff bytes).
  [[nodiscard]] static std::optional<std::string> prefixEnd(std::string_view prefix);

  // Writes. `done` runs exactly once (see the class comment for where). An
  // invalid batch (Limits.h) gets INVALID_ARGUMENT, a closed or failed store
  // UNAVAILABLE. When the log fails under a batch:
  //   write(2) fails    -> INTERNAL, not applied (the log is cut back to
  //                        before the group; if even that fails, UNKNOWN)
  //   fdatasync fails   -> UNKNOWN: the record reached the page cache and
  //                        may or may not be there after a restart
  // and the store fails: from then on every write gets UNAVAILABLE (naming
  // the cause) and health() reports it; reads keep working (read-only until
  // restarted). A failed directory sync (a new log, a compaction) fails the
  // store the same way; other compaction failures only retry it later.
  // `caller`: under kAlways and kBatch, kMayWaitForSync lets a small batch
  // be committed in this thread when the log writer is idle
  // (GroupCommitQueue.h says when and why): write() then returns after the
  // fdatasync, `done` having run.
  using Caller = GroupCommitQueue::Caller;
  void write(WriteBatch batch, WriteCallback done, Caller caller = Caller::kMustNotWait);

  // OK, or UNAVAILABLE with the failure that made the store read-only.
  [[nodiscard]] absl::Status health() const;

  // Finishes the writes already accepted, syncs the log and stops the
  // threads. Later writes get UNAVAILABLE; reads keep working. Idempotent.
  void close();

  [[nodiscard]] Stats stats() const;
  [[nodiscard]] SyncMode syncMode() const { return options_.sync; }
  // Waits until no compaction runs. For tests.
  void waitForCompaction();

 private:
  using Group = GroupCommitQueue::Group;

  Store(Options options, std::unique_ptr<DataDir> dir);
  // Log, sync, apply and call back one group; GroupCommitQueue's commit
  // function. Takes commitMutex_.
  void commitGroup(Group group);
  // Checks conditions and encodes the group's records into logBuffer_;
  // the evaluator keeps what they change in the table.
  void evaluateGroup(Group group) ABSL_EXCLUSIVE_LOCKS_REQUIRED(commitMutex_);
  // For the ExpirySweeper: up to `limit` keys expired now.
  void collectExpired(size_t limit, std::vector<std::string>* keys) const;

  const Options options_;
  const std::unique_ptr<DataDir> dir_;

  // The table. Written only by the holder of commitMutex_, under the write lock.
  mutable SharedMutex tableMutex_;
  Table table_ ABSL_GUARDED_BY(tableMutex_);

  // Held across one group: evaluation, the log append and the table update,
  // so groups reach the log and the table in the same order.
  mutable Mutex commitMutex_;
  std::string logBuffer_ ABSL_GUARDED_BY(commitMutex_);
  Evaluator evaluator_ ABSL_GUARDED_BY(commitMutex_);
  uint64_t liveBytes_ ABSL_GUARDED_BY(commitMutex_) = 0;  // table_.bytes(), for the trigger
  uint64_t groups_ ABSL_GUARDED_BY(commitMutex_) = 0;
  uint64_t batches_ ABSL_GUARDED_BY(commitMutex_) = 0;

  // Set once by open(), destroyed after close() stopped every thread. The
  // log outlives the compactor, which uses it.
  std::unique_ptr<LogWriter> log_;
  std::unique_ptr<Compactor> compactor_;
  std::unique_ptr<GroupCommitQueue> queue_;
  std::unique_ptr<ExpirySweeper> sweeper_;    // null when expiryInterval is zero
  std::unique_ptr<BackgroundSyncer> syncer_;  // kEverySec only
  std::atomic<bool> closed_{false};
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_STORE_H_
