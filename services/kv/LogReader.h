// LogReader: reads the records of one log or snapshot file in order, and
// tells where and why it stopped; for damage, it can also look past a bad
// record for valid ones (to tell a torn tail from corruption, and to repair).
//
// It reads the file through an Env (the posix Env maps it read-only);
// payloads point into the file's contents and stay valid while the reader
// lives. A record is returned only once its checksum matches, so the bytes
// of a torn or damaged record are never interpreted. open() reads the file
// header (LogFormat.h): a file without one is legacy version 0; a version
// newer than this build's is refused.
//
// Thread contract: one thread at a time. The file must not shrink while the
// reader is open (the store truncates only after closing its reader).
#ifndef SERVICES_KV_LOGREADER_H_
#define SERVICES_KV_LOGREADER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/kv/Env.h"
#include "services/kv/LogFormat.h"

namespace muduo::kv {

class LogReader {
 public:
  enum class Result {
    kRecord,     // *type and *payload are set
    kEnd,        // a clean end: the file ends on a record boundary, or
                 // nothing but zeros follows the last record (space the log
                 // reserved ahead and did not get to write: goodBytes() <
                 // fileSize() then; see LogFormat.h)
    kTruncated,  // the file ends inside a record (a torn write)
    kCorrupt,    // a record's checksum, length or type is wrong
  };

  // FAILED_PRECONDITION, naming the file and both versions, for a format
  // version newer than log::kFormatVersion.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LogReader>> open(Env* env,
                                                                       const std::string& path);
  ~LogReader();
  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;

  Result next(log::RecordType* type, std::string_view* payload);

  // Continues reading at `offset` (a record start found by nextValidRecord).
  void seek(uint64_t offset);
  // The first offset >= `from` where a whole valid record starts (header in
  // range, checksum matching, known type); nullopt if none.
  [[nodiscard]] std::optional<uint64_t> nextValidRecord(uint64_t from) const;
  // How many valid records, and their bytes, a resynchronising scan finds
  // from `from` to the end of the file.
  [[nodiscard]] uint64_t countValidRecords(uint64_t from, uint64_t* bytes) const;

  // Whether every byte from `offset` to the end is zero (reserved space).
  [[nodiscard]] bool zerosFrom(uint64_t offset) const;
  // Bytes up to the end of the last good record: where to truncate.
  [[nodiscard]] uint64_t goodBytes() const { return offset_; }
  [[nodiscard]] uint64_t fileSize() const { return size_; }
  // 0 for a legacy file without a header.
  [[nodiscard]] uint32_t version() const { return version_; }
  // Where records start: after the header, or 0.
  [[nodiscard]] uint64_t firstRecord() const { return firstRecord_; }
  // After kTruncated or kCorrupt: what was wrong, for the log.
  [[nodiscard]] const std::string& problem() const { return problem_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  LogReader(std::string path, std::unique_ptr<ReadableFile> file)
      : path_(std::move(path)),
        file_(std::move(file)),
        data_(file_->data().data()),
        size_(file_->data().size()) {}
  // Checks the record at `offset`; its size, or nullopt (and why in *why).
  std::optional<uint64_t> checkRecord(uint64_t offset, bool* truncated, std::string* why) const;

  const std::string path_;
  const std::unique_ptr<ReadableFile> file_;
  const char* const data_;
  const uint64_t size_;
  uint32_t version_ = 0;
  uint64_t firstRecord_ = 0;
  bool tornHeader_ = false;
  uint64_t offset_ = 0;
  std::string problem_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_LOGREADER_H_
