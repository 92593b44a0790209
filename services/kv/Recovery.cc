#include "services/kv/Recovery.h"

#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "services/kv/DataDir.h"
#include "services/kv/Env.h"
#include "services/kv/LogFormat.h"
#include "services/kv/LogReader.h"
#include "services/kv/ReplayBuffer.h"
#include "services/kv/Table.h"
#include "services/kv/WritableFile.h"

namespace muduo::kv {
namespace {

// Snapshot records hold up to about this much key and value data.
constexpr size_t kSnapshotRecordBytes = 1 << 20;

// Replay applies its buffer once it holds this many keys, which bounds the
// buffer's own memory (ReplayBuffer::keys()) to a few hundred MB however
// large the log.
constexpr size_t kMaxReplayBufferKeys = 2 << 20;

std::string repairAdvice(const DataDir& dir) {
  return absl::StrCat("Run kv_server --repair --data_dir=", dir.path(),
                      " to keep every valid record (the original is kept as <file>.corrupt), or "
                      "restore the directory from a backup");
}

// Loads the snapshot, turning damage into a refusal to start.
absl::Status loadNewestSnapshot(Env* env, const DataDir& dir, uint64_t snapshot, Table* table) {
  absl::Status s = loadSnapshot(env, dir.snapshotPath(snapshot), table);
  // A snapshot is synced before it is renamed into place, so this is
  // damage from outside; starting without it would silently lose data.
  if (s.ok() || !absl::IsDataLoss(s)) return s;
  return absl::DataLossError(absl::StrCat(s.message(), "; refusing to start. ", repairAdvice(dir)));
}

// Replays `logs` in order into state->table, cutting off a torn tail of the
// last one; sets state->logBytes and state->records.
absl::Status replayLogs(Env* env, const DataDir& dir, const std::vector<uint64_t>& logs,
                        RecoveredState* state) {
  for (size_t i = 0; i < logs.size(); ++i) {
    const std::string path = dir.logPath(logs[i]);
    absl::StatusOr<ReplayResult> result = replayLog(env, path, &state->table);
    if (!result.ok()) return result.status();
    state->records += result->records;
    // A torn write or reserved space can only be at the end of the last
    // log: every earlier one was trimmed to its records and synced whole
    // before the next began (LogWriter::rotate).
    const bool last = i + 1 == logs.size();
    if (result->clean && result->zeroTail > 0) {
      if (!last) {
        return absl::DataLossError(absl::StrCat(
            path, ": ", result->zeroTail, " bytes of zeros follow its last good record (offset ",
            result->goodBytes, ", after ", result->records, " records) and later logs follow it (",
            dir.logPath(logs[i + 1]),
            " ...); a finished log is trimmed to its records, so that is damage: refusing to "
            "start rather than drop acknowledged writes. ",
            repairAdvice(dir)));
      }
      // Space the writer reserved ahead: cut, so the log is reopened at the
      // end of its records (and reserves again from there).
      LOG_INFO << "kv store: " << path << ": " << result->records << " records, then "
               << result->zeroTail << " bytes of reserved space never written; trimming it";
      if (absl::Status s = dir.truncate(path, result->goodBytes); !s.ok()) return s;
    }
    if (result->clean) {
      state->logBytes += result->goodBytes;
      continue;
    }
    if (result->validAfter > 0 || !last) {
      return absl::DataLossError(absl::StrCat(
          path, ": ", result->problem, ", after ", result->records, " good records; ",
          result->validAfter, " valid records (", result->validAfterBytes, " bytes) follow it",
          last ? ""
               : absl::StrCat(" and later logs follow this one (", dir.logPath(logs[i + 1]),
                              " ...)"),
          ". That is damage, not a torn write: refusing to start rather than drop acknowledged "
          "writes. ",
          repairAdvice(dir)));
    }
    LOG_WARN << "kv store: " << path << ": " << result->problem << "; a torn tail (nothing valid "
             << "follows): keeping the " << result->records
             << " good records before it and cutting off the last "
             << result->fileSize - result->goodBytes << " bytes";
    if (absl::Status s = dir.truncate(path, result->goodBytes); !s.ok()) return s;
    state->logBytes += result->goodBytes;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RecoveredState> recoverDirectory(Env* env, const DataDir& dir) {
  absl::StatusOr<DataDir::Listing> listing = dir.list();
  if (!listing.ok()) return listing.status();
  for (const std::string& name : listing->temporaries) {
    LOG_INFO << "kv store: removing " << name << ", left by an unfinished compaction";
    if (absl::Status s = dir.remove(dir.path() + "/" + name); !s.ok()) return s;
  }

  RecoveredState state;
  if (!listing->snapshots.empty()) {
    state.snapshot = listing->snapshots.back();
    if (absl::Status s = loadNewestSnapshot(env, dir, *state.snapshot, &state.table); !s.ok()) {
      return s;
    }
  }
  for (uint64_t g : listing->logs) {
    if (!state.snapshot || g >= *state.snapshot) state.logs.push_back(g);
  }
  if (absl::Status s = replayLogs(env, dir, state.logs, &state); !s.ok()) return s;

  // What a compaction finished but did not get to delete.
  for (uint64_t g : listing->logs) {
    if (state.snapshot && g < *state.snapshot) (void)dir.remove(dir.logPath(g));
  }
  for (uint64_t g : listing->snapshots) {
    if (g < *state.snapshot) (void)dir.remove(dir.snapshotPath(g));
  }

  if (state.logs.empty()) state.logs.push_back(state.snapshot.value_or(1));
  absl::StatusOr<std::unique_ptr<WritableFile>> log =
      env->openWritable(dir.logPath(state.logs.back()), WritableFile::Mode::kAppend);
  if (!log.ok()) return log.status();
  if ((*log)->size() == 0) {
    if (absl::Status s = startLog(log->get()); !s.ok()) return s;
    state.logBytes += (*log)->size();  // as a reopen counts it
  }
  state.log = std::move(*log);
  // The log's name, any truncation and removals above: durable before the
  // first write is acknowledged.
  if (absl::Status s = dir.sync(); !s.ok()) return s;
  return state;
}

absl::Status startLog(WritableFile* file) {
  std::string header;
  log::appendFileHeader(&header);
  if (absl::Status s = file->append(header); !s.ok()) return s;
  return file->sync();
}

absl::StatusOr<ReplayResult> replayLog(Env* env, const std::string& path, Table* table) {
  absl::StatusOr<std::unique_ptr<LogReader>> opened = LogReader::open(env, path);
  if (!opened.ok()) return opened.status();
  LogReader& reader = **opened;
  ReplayResult result;
  result.fileSize = reader.fileSize();
  result.goodBytes = reader.firstRecord();
  ReplayBuffer buffer(table);
  while (true) {
    log::RecordType type;
    std::string_view payload;
    const uint64_t start = reader.goodBytes();
    const LogReader::Result r = reader.next(&type, &payload);
    if (r == LogReader::Result::kEnd) {
      result.zeroTail = reader.fileSize() - reader.goodBytes();
      break;
    }
    uint64_t scanFrom = start + 1;
    if (r != LogReader::Result::kRecord) {
      result.problem = reader.problem();
    } else if (type != log::RecordType::kMutations || !buffer.add(payload)) {
      result.problem = absl::StrCat("the record at offset ", start,
                                    " checks out but does not parse as mutations");
      scanFrom = reader.goodBytes();
    } else {
      ++result.records;
      result.goodBytes = reader.goodBytes();
      if (buffer.keys() >= kMaxReplayBufferKeys) buffer.flush();
      continue;
    }
    result.clean = false;
    result.validAfter = reader.countValidRecords(scanFrom, &result.validAfterBytes);
    break;
  }
  buffer.flush();
  return result;
}

absl::Status loadSnapshot(Env* env, const std::string& path, Table* table) {
  absl::StatusOr<std::unique_ptr<LogReader>> opened = LogReader::open(env, path);
  if (!opened.ok()) return opened.status();
  LogReader& reader = **opened;
  while (true) {
    log::RecordType type;
    std::string_view payload;
    const uint64_t start = reader.goodBytes();
    const LogReader::Result r = reader.next(&type, &payload);
    if (r == LogReader::Result::kEnd) {
      return absl::DataLossError(absl::StrCat("snapshot ", path, " has no end record"));
    }
    if (r != LogReader::Result::kRecord) {
      uint64_t bytes = 0;
      const uint64_t after = reader.countValidRecords(start + 1, &bytes);
      return absl::DataLossError(absl::StrCat("snapshot ", path, ": ", reader.problem(), "; ",
                                              after, " valid records (", bytes,
                                              " bytes) follow it"));
    }
    if (type == log::RecordType::kSnapshotEnd) {
      uint64_t entries = 0;
      if (!log::consumeVarint64(&payload, &entries) || entries != table->size() ||
          reader.goodBytes() != reader.fileSize()) {
        return absl::DataLossError(absl::StrCat("snapshot ", path, " ends inconsistently (",
                                                entries, " entries announced, ", table->size(),
                                                " read)"));
      }
      return absl::OkStatus();
    }
    if (!table->applyMutations(payload)) {
      return absl::DataLossError(
          absl::StrCat("snapshot ", path, ": the record at offset ", start, " does not parse"));
    }
  }
}

absl::Status writeSnapshot(Env* env, const Table& table, const std::string& path,
                           const std::atomic<bool>* cancel) {
  absl::StatusOr<std::unique_ptr<WritableFile>> file =
      env->openWritable(path, WritableFile::Mode::kCreateNew);
  if (!file.ok()) return file.status();
  std::string buffer;
  log::appendFileHeader(&buffer);
  size_t start = log::beginRecord(&buffer);
  for (const auto& [key, value] : table.map()) {
    log::appendPut(&buffer, key, *value, static_cast<uint64_t>(table.expireAt(key)));
    if (buffer.size() - start >= kSnapshotRecordBytes) {
      log::finishRecord(&buffer, start, log::RecordType::kMutations);
      if (absl::Status s = (*file)->append(buffer); !s.ok()) return s;
      if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
        return absl::CancelledError("snapshot abandoned: the store is closing");
      }
      buffer.clear();
      start = log::beginRecord(&buffer);
    }
  }
  if (buffer.size() > start + log::kHeaderSize) {
    log::finishRecord(&buffer, start, log::RecordType::kMutations);
  } else {
    buffer.resize(start);
  }
  std::string count;
  log::appendVarint64(&count, table.size());
  log::appendRecord(&buffer, log::RecordType::kSnapshotEnd, count);
  if (absl::Status s = (*file)->append(buffer); !s.ok()) return s;
  if (absl::Status s = (*file)->sync(); !s.ok()) return s;
  return (*file)->close();
}

}  // namespace muduo::kv
