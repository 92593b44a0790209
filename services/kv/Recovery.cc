#include "services/kv/Recovery.h"

#include "absl/strings/str_cat.h"
#include "services/kv/Env.h"
#include "services/kv/LogFormat.h"
#include "services/kv/LogReader.h"
#include "services/kv/Table.h"
#include "services/kv/WritableFile.h"

namespace muduo::kv {
namespace {

// Snapshot records hold up to about this much key and value data.
constexpr size_t kSnapshotRecordBytes = 1 << 20;

}  // namespace

absl::StatusOr<ReplayResult> replayLog(Env* env, const std::string& path, Table* table) {
  absl::StatusOr<std::unique_ptr<LogReader>> opened = LogReader::open(env, path);
  if (!opened.ok()) return opened.status();
  LogReader& reader = **opened;
  ReplayResult result;
  result.fileSize = reader.fileSize();
  result.goodBytes = reader.firstRecord();
  while (true) {
    log::RecordType type;
    std::string_view payload;
    const uint64_t start = reader.goodBytes();
    const LogReader::Result r = reader.next(&type, &payload);
    if (r == LogReader::Result::kEnd) break;
    uint64_t scanFrom = start + 1;
    if (r != LogReader::Result::kRecord) {
      result.problem = reader.problem();
    } else if (type != log::RecordType::kMutations || !table->applyMutations(payload)) {
      result.problem = absl::StrCat("the record at offset ", start,
                                    " checks out but does not parse as mutations");
      scanFrom = reader.goodBytes();
    } else {
      ++result.records;
      result.goodBytes = reader.goodBytes();
      continue;
    }
    result.clean = false;
    result.validAfter = reader.countValidRecords(scanFrom, &result.validAfterBytes);
    break;
  }
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
    log::appendPut(&buffer, key, value, static_cast<uint64_t>(table.expireAt(key)));
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
