// Recovery: turning the store's files back into a Table, and writing a
// Table out as a snapshot. Used at start-up (recoverDirectory) and by
// compaction, which builds each new snapshot from the previous snapshot and
// the logs since (never from the live table, so it locks nothing readers or
// writers need).
//
// Thread safety: the functions share no state; any thread.
#ifndef SERVICES_KV_RECOVERY_H_
#define SERVICES_KV_RECOVERY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/kv/Table.h"
#include "services/kv/WritableFile.h"

namespace muduo::kv {

class DataDir;
class Env;

struct ReplayResult {
  uint64_t records = 0;    // good records applied
  uint64_t goodBytes = 0;  // where the good records end (the header's end if none)
  uint64_t fileSize = 0;
  bool clean = true;  // false: a torn or corrupt record stopped the replay
  // When clean: the zeros after the last record (reserved space the log
  // did not get to write, LogFormat.h); 0 if the file ends on a record.
  uint64_t zeroTail = 0;
  std::string problem;  // why not clean
  // When not clean: the valid records (and their bytes) a resynchronising
  // scan finds after the bad one. None: a torn tail; some: damage.
  uint64_t validAfter = 0;
  uint64_t validAfterBytes = 0;
};

// Applies the good records of the log at `path` to *table, in order,
// stopping before the first torn or corrupt one. (They go through a
// ReplayBuffer, which applies what they add up to in key order: the same
// result, faster for keys in random order.) An I/O error or a newer
// format version (FAILED_PRECONDITION) is an error; a bad record is not (see
// ReplayResult::clean).
[[nodiscard]] absl::StatusOr<ReplayResult> replayLog(Env* env, const std::string& path,
                                                     Table* table);

// Loads the snapshot at `path` into *table. DATA_LOSS (naming the offset
// and how many valid records follow) unless every record is good and the
// closing record's entry count matches.
[[nodiscard]] absl::Status loadSnapshot(Env* env, const std::string& path, Table* table);

// Writes `table` (file header, records, end record) to a new file at `path`
// and syncs it; the caller renames it
// into place. Gives up with CANCELLED (leaving the partial file for the
// caller to remove) when *cancel becomes true.
[[nodiscard]] absl::Status writeSnapshot(Env* env, const Table& table, const std::string& path,
                                         const std::atomic<bool>* cancel);

// What a data directory holds, read back: the table, and the chain of files
// the next writes continue (the snapshot and the logs after it).
struct RecoveredState {
  Table table;
  std::optional<uint64_t> snapshot;   // the newest snapshot, if any
  std::vector<uint64_t> logs;         // since the snapshot; never empty, `log`'s last
  uint64_t logBytes = 0;              // in `logs`, headers included
  std::unique_ptr<WritableFile> log;  // logs.back(), open for appending
  uint64_t records = 0;               // log records replayed
};

// Start-up: removes what an unfinished compaction left, loads the newest
// snapshot, replays the logs after it, cuts off a torn tail of the last log
// (LOG_WARN) and the zeros of reserved space after its last record, so the
// log is reopened at the end of its records; removes files a finished compaction did not get to
// delete, opens (or starts) the last log for appending and syncs the directory. A bad record that
// is not a torn tail, zeros after the records of a log that is not the last (finished logs are
// trimmed to their records), or a damaged snapshot, is DATA_LOSS naming the file, the offset and
// what follows; nothing is changed then beyond removing temporaries.
[[nodiscard]] absl::StatusOr<RecoveredState> recoverDirectory(Env* env, const DataDir& dir);

// Writes and syncs the file header into a new (empty) log.
[[nodiscard]] absl::Status startLog(WritableFile* file);

}  // namespace muduo::kv

#endif  // SERVICES_KV_RECOVERY_H_
