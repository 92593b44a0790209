// LogReader: reads the records of one log or snapshot file in order, and
// tells where and why it stopped.
//
// It maps the file read-only; payloads point into the mapping and stay valid
// while the reader lives. A record is returned only once its checksum
// matches, so the bytes of a torn or damaged record are never interpreted.
//
// Thread contract: one thread at a time. The file must not shrink while the
// reader is open (the store truncates only after closing its reader).
#ifndef SERVICES_KV_LOGREADER_H_
#define SERVICES_KV_LOGREADER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/kv/LogFormat.h"

namespace muduo::kv {

class LogReader {
 public:
  enum class Result {
    kRecord,     // *type and *payload are set
    kEnd,        // a clean end: the file ends on a record boundary
    kTruncated,  // the file ends inside a record (a torn write)
    kCorrupt,    // a record's checksum, length or type is wrong
  };

  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LogReader>> open(const std::string& path);
  ~LogReader();
  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;

  Result next(log::RecordType* type, std::string_view* payload);

  // Bytes up to the end of the last good record: where to truncate.
  [[nodiscard]] uint64_t goodBytes() const { return offset_; }
  [[nodiscard]] uint64_t fileSize() const { return size_; }
  // After kTruncated or kCorrupt: what was wrong, for the log.
  [[nodiscard]] const std::string& problem() const { return problem_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  LogReader(std::string path, const char* data, uint64_t size)
      : path_(std::move(path)), data_(data), size_(size) {}

  const std::string path_;
  const char* const data_;  // nullptr for an empty file
  const uint64_t size_;
  uint64_t offset_ = 0;
  std::string problem_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_LOGREADER_H_
