// Env: every file operation the KV store makes, behind one interface
// (leveldb's shape), so tests can inject I/O errors and simulate power loss
// (testing/FaultInjectionEnv.h) without touching the store's code.
// Env::posix() is the real file system.
//
// Errors are INTERNAL statuses naming the operation, the path and strerror;
// a missing file is NOT_FOUND where the method says so.
//
// Thread safety: every method may be called from any thread; an Env outlives
// every Store, file and lock it made.
#ifndef SERVICES_KV_ENV_H_
#define SERVICES_KV_ENV_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/kv/ReadableFile.h"
#include "services/kv/WritableFile.h"

namespace muduo::kv {

class Env {
 public:
  // A held lock on a file; released when destroyed. A handle, not a class of
  // its own: it has no behaviour beyond its lifetime.
  class Lock {
   public:
    virtual ~Lock() = default;
  };

  virtual ~Env() = default;

  // The process-wide real file system. Never destroyed.
  [[nodiscard]] static Env* posix();

  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<WritableFile>> openWritable(
      const std::string& path, WritableFile::Mode mode) = 0;
  // The whole file, read-only. NOT_FOUND if it does not exist.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<ReadableFile>> openReadable(
      const std::string& path) = 0;
  // The names in `dir` (without "." and "..").
  [[nodiscard]] virtual absl::StatusOr<std::vector<std::string>> listDir(
      const std::string& dir) = 0;
  // mkdir -p; FAILED_PRECONDITION if `dir` exists and is not a directory.
  [[nodiscard]] virtual absl::Status createDir(const std::string& dir) = 0;
  // rename(2): atomic, but durable only after syncDir().
  [[nodiscard]] virtual absl::Status rename(const std::string& from, const std::string& to) = 0;
  // unlink(2); a missing file is not an error.
  [[nodiscard]] virtual absl::Status remove(const std::string& path) = 0;
  // Cuts the file to `size` bytes and syncs it.
  [[nodiscard]] virtual absl::Status truncate(const std::string& path, uint64_t size) = 0;
  // fsync(2) on a directory: makes created, renamed and removed names durable.
  [[nodiscard]] virtual absl::Status syncDir(const std::string& dir) = 0;
  // An exclusive lock on `path` (created if missing), held by this process
  // until the Lock dies; FAILED_PRECONDITION if another holder has it.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<Lock>> lockFile(const std::string& path) = 0;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_ENV_H_
