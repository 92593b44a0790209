// DataDir: the store's directory. It holds an exclusive lock on the
// directory (a second server on the same data fails to start instead of
// corrupting it), names the files, lists them, and makes directory changes
// (new files, renames, removals) durable. Every operation goes through the
// Env it was opened with.
//
// Files, by generation number g:
//   log-<g>            mutations, appended; replayed at start
//   snapshot-<g>       every live key as of the start of log-<g>; complete
//                      (it is renamed into place only after it is synced)
//   snapshot-<g>.tmp   a snapshot being written; removed at start
//   <name>.corrupt     the original of a file the repair rewrote
//
// Thread safety: the methods touch no member state but the path, the Env and
// the lock, so any thread may call them.
#ifndef SERVICES_KV_DATADIR_H_
#define SERVICES_KV_DATADIR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/kv/Env.h"

namespace muduo::kv {

class DataDir {
 public:
  struct Listing {
    std::vector<uint64_t> logs;            // ascending
    std::vector<uint64_t> snapshots;       // ascending
    std::vector<std::string> temporaries;  // file names
  };

  // Creates the directory (and its parents) if needed and locks it.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DataDir>> open(Env* env,
                                                                     const std::string& path);
  ~DataDir();  // releases the lock
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;

  [[nodiscard]] Env* env() const { return env_; }
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
  DataDir(Env* env, std::string path, std::unique_ptr<Env::Lock> lock)
      : env_(env), path_(std::move(path)), lock_(std::move(lock)) {}

  Env* const env_;
  const std::string path_;
  const std::unique_ptr<Env::Lock> lock_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_DATADIR_H_
