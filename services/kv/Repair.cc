#include "services/kv/Repair.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "services/kv/DataDir.h"
#include "services/kv/Env.h"
#include "services/kv/LogFormat.h"
#include "services/kv/LogReader.h"
#include "services/kv/Recovery.h"
#include "services/kv/Table.h"

namespace muduo::kv {
namespace {

struct Dropped {
  uint64_t offset;
  uint64_t bytes;
  std::string why;
};

struct Salvaged {
  std::string records;  // the valid records, re-encoded back to back
  uint64_t kept = 0;
  std::vector<Dropped> dropped;
};

// Reads every valid record of `reader`, skipping bad stretches. Mutation
// records whose ops do not parse are dropped like bad ones; in a snapshot
// the end record is dropped too (the rebuilt snapshot gets its own).
Salvaged salvage(LogReader& reader, bool snapshot) {
  Salvaged out;
  while (true) {
    log::RecordType type;
    std::string_view payload;
    const uint64_t start = reader.goodBytes();
    const LogReader::Result r = reader.next(&type, &payload);
    if (r == LogReader::Result::kEnd) break;
    if (r == LogReader::Result::kRecord) {
      const bool parses = type == log::RecordType::kMutations
                              ? log::forEachOp(payload, [](const log::Op&) {})
                              : snapshot;
      if (parses) {
        if (type == log::RecordType::kMutations) {
          log::appendRecord(&out.records, type, payload);
          ++out.kept;
        }
        continue;
      }
      out.dropped.push_back(
          {start, reader.goodBytes() - start, "a record whose operations do not parse"});
      continue;
    }
    const std::string why = reader.problem();
    const std::optional<uint64_t> resume = reader.nextValidRecord(start + 1);
    const uint64_t end = resume.value_or(reader.fileSize());
    out.dropped.push_back({start, end - start, why});
    if (!resume) break;
    reader.seek(*resume);
  }
  return out;
}

absl::Status writeWhole(Env* env, const std::string& path, std::string_view bytes) {
  (void)env->remove(path);
  absl::StatusOr<std::unique_ptr<WritableFile>> file =
      env->openWritable(path, WritableFile::Mode::kCreateNew);
  if (!file.ok()) return file.status();
  if (absl::Status s = (*file)->append(bytes); !s.ok()) return s;
  if (absl::Status s = (*file)->sync(); !s.ok()) return s;
  return (*file)->close();
}

// Rewrites one file if it needs it; appends to *report.
absl::Status repairFile(Env* env, const DataDir& dir, const std::string& path, bool snapshot,
                        std::string* report) {
  absl::StatusOr<std::unique_ptr<LogReader>> reader = LogReader::open(env, path);
  if (!reader.ok()) return reader.status();
  Salvaged salvaged = salvage(**reader, snapshot);
  if (salvaged.dropped.empty()) {
    if (!snapshot) {
      const uint64_t end = (*reader)->goodBytes();
      const uint64_t zeros = (*reader)->fileSize() - end;
      if (zeros == 0) return absl::OkStatus();
      // Space reserved ahead and never written (LogFormat.h): no data, but
      // only the last log may have it, so trim it.
      reader->reset();  // unmaps the file before it shrinks
      if (absl::Status s = dir.truncate(path, end); !s.ok()) return s;
      absl::StrAppend(report, path, ": trimmed ", zeros,
                      " bytes of zeros (reserved space, no records) after its last record at "
                      "offset ",
                      end, "\n");
      return absl::OkStatus();
    }
    Table check;
    if (loadSnapshot(env, path, &check).ok()) return absl::OkStatus();
    salvaged.dropped.push_back({(*reader)->fileSize(), 0, "the end record is missing or wrong"});
  }
  const std::string temp = path + ".repair";
  if (snapshot) {
    Table table;
    std::string_view records = salvaged.records;
    // Each record was checked above; replaying them can only apply.
    while (!records.empty()) {
      const uint32_t length = static_cast<uint8_t>(records[4]) |
                              static_cast<uint8_t>(records[5]) << 8 |
                              static_cast<uint8_t>(records[6]) << 16 |
                              static_cast<uint32_t>(static_cast<uint8_t>(records[7])) << 24;
      (void)table.applyMutations(records.substr(log::kHeaderSize, length));
      records.remove_prefix(log::kHeaderSize + length);
    }
    (void)env->remove(temp);
    if (absl::Status s = writeSnapshot(env, table, temp, nullptr); !s.ok()) return s;
  } else {
    std::string bytes;
    log::appendFileHeader(&bytes);
    bytes += salvaged.records;
    if (absl::Status s = writeWhole(env, temp, bytes); !s.ok()) return s;
  }
  const std::string corrupt = path + ".corrupt";
  if (absl::Status s = env->rename(path, corrupt); !s.ok()) return s;
  if (absl::Status s = env->rename(temp, path); !s.ok()) return s;
  if (absl::Status s = dir.sync(); !s.ok()) return s;
  uint64_t droppedBytes = 0;
  for (const Dropped& d : salvaged.dropped) droppedBytes += d.bytes;
  absl::StrAppend(report, path, ": kept ", salvaged.kept, " records; dropped ", droppedBytes,
                  " bytes in ", salvaged.dropped.size(), " place(s):\n");
  for (const Dropped& d : salvaged.dropped) {
    absl::StrAppend(report, "  offset ", d.offset, ", ", d.bytes, " bytes: ", d.why, "\n");
  }
  absl::StrAppend(report, "  the original is kept as ", corrupt, "\n");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> repairDataDir(Env* env, const std::string& path) {
  absl::StatusOr<std::unique_ptr<DataDir>> dir = DataDir::open(env, path);
  if (!dir.ok()) return dir.status();
  absl::StatusOr<DataDir::Listing> listing = (*dir)->list();
  if (!listing.ok()) return listing.status();
  std::string report;
  for (uint64_t g : listing->snapshots) {
    if (absl::Status s = repairFile(env, **dir, (*dir)->snapshotPath(g), true, &report); !s.ok()) {
      return s;
    }
  }
  for (uint64_t g : listing->logs) {
    if (absl::Status s = repairFile(env, **dir, (*dir)->logPath(g), false, &report); !s.ok()) {
      return s;
    }
  }
  if (report.empty()) {
    return absl::StrCat("nothing to repair: every log and snapshot in ", path, " reads cleanly\n");
  }
  return report;
}

}  // namespace muduo::kv
