// LogReader: reads the records of one log or snapshot file in order, and
// tells where and why it stopped.
//
// It reads the file through an Env (the posix Env maps it read-only);
// payloads point into the file's contents and stay valid while the reader
// lives. A record is returned only once its checksum
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
#include "services/kv/Env.h"
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

  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LogReader>> open(Env* env,
                                                                       const std::string& path);
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
  LogReader(std::string path, std::unique_ptr<ReadableFile> file)
      : path_(std::move(path)),
        file_(std::move(file)),
        data_(file_->data().data()),
        size_(file_->data().size()) {}

  const std::string path_;
  const std::unique_ptr<ReadableFile> file_;
  const char* const data_;
  const uint64_t size_;
  uint64_t offset_ = 0;
  std::string problem_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_LOGREADER_H_
