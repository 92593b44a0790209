// WritableFile: an append-only file with explicit durability, for the log
// and snapshots. append() hands bytes to the kernel (they survive the
// process being killed); sync() makes them survive the machine losing power.
//
// Thread contract: one thread at a time.
#ifndef SERVICES_KV_WRITABLEFILE_H_
#define SERVICES_KV_WRITABLEFILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace muduo::kv {

class WritableFile {
 public:
  enum class Mode {
    kCreateNew,  // fails if the file exists
    kAppend,     // opens an existing file (or creates one) and appends
  };

  [[nodiscard]] static absl::StatusOr<std::unique_ptr<WritableFile>> open(const std::string& path,
                                                                          Mode mode);
  ~WritableFile();  // closes without syncing
  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;

  // Writes all of `data` (retrying short writes and EINTR) or fails.
  [[nodiscard]] absl::Status append(std::string_view data);
  // fdatasync(2).
  [[nodiscard]] absl::Status sync();
  [[nodiscard]] absl::Status close();

  [[nodiscard]] uint64_t size() const { return size_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  WritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}

  const std::string path_;
  int fd_;
  uint64_t size_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_WRITABLEFILE_H_
