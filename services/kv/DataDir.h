// DataDir: the store's directory. It holds an exclusive lock on the
// directory (a second server on the same data fails to start instead of
// corrupting it), names the files, lists them, and makes directory changes
// (new files, renames, removals) durable.
//
// Files, by generation number g:
//   log-<g>            mutations, appended; replayed at start
//   snapshot-<g>       every live key as of the start of log-<g>; complete
//                      (it is renamed into place only after it is synced)
//   snapshot-<g>.tmp   a snapshot being written; removed at start
//
// Thread safety: the methods touch no member state but the path and the
// lock's fd, so any thread may call them.
#ifndef SERVICES_KV_DATADIR_H_
#define SERVICES_KV_DATADIR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace muduo::kv {

class DataDir {
 public:
  struct Listing {
    std::vector<uint64_t> logs;            // ascending
    std::vector<uint64_t> snapshots;       // ascending
    std::vector<std::string> temporaries;  // file names
  };

  // Creates the directory (and its parents) if needed and locks it.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DataDir>> open(const std::string& path);
  ~DataDir();  // releases the lock
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string logPath(uint64_t generation) const;
  [[nodiscard]] std::string snapshotPath(uint64_t generation) const;
  [[nodiscard]] std::string tempSnapshotPath(uint64_t generation) const;

  [[nodiscard]] absl::StatusOr<Listing> list() const;
  // fsync(2) on the directory: makes created, renamed and removed names durable.
  [[nodiscard]] absl::Status sync() const;
  [[nodiscard]] absl::Status remove(const std::string& path) const;
  [[nodiscard]] absl::Status rename(const std::string& from, const std::string& to) const;
  [[nodiscard]] absl::Status truncate(const std::string& path, uint64_t size) const;

 private:
  DataDir(std::string path, int lockFd) : path_(std::move(path)), lockFd_(lockFd) {}

  const std::string path_;
  const int lockFd_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_DATADIR_H_
