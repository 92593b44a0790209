// WritableFile: an append-only file with explicit durability, for the log
// and snapshots, as an Env hands it out. append() hands bytes to the kernel
// (they survive the process being killed); sync() makes them survive the
// machine losing power. An interface so tests can fail or watch each call
// (testing/FaultInjectionEnv.h); Env::posix() gives the real one.
//
// Thread contract: one thread at a time, except that sync() may run in one
// thread while another appends or reserves (everysec's background sync); close() runs
// alone.
#ifndef SERVICES_KV_WRITABLEFILE_H_
#define SERVICES_KV_WRITABLEFILE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace muduo::kv {

class WritableFile {
 public:
  enum class Mode {
    kCreateNew,  // fails if the file exists
    kAppend,     // opens an existing file (or creates one) and appends
  };

  virtual ~WritableFile() = default;  // closes without syncing

  // Writes all of `data` (retrying short writes and EINTR) or fails; after a
  // failure some prefix of `data` may have been written (size() says how much).
  [[nodiscard]] virtual absl::Status append(std::string_view data) = 0;
  // Zero-fills the file from its current end to `end` bytes (nothing if it
  // is already that long), for the log's reserved space: later appends then
  // overwrite blocks that are already allocated and sized, so their
  // fdatasync writes data only, not the inode and extents through the
  // journal. size() and where the next append goes do not change. The zeros
  // are durable only after the next sync(). After a failure (ENOSPC) part of
  // the zeros may be in the file; the caller cuts them back.
  [[nodiscard]] virtual absl::Status reserve(uint64_t end) = 0;
  // fdatasync(2).
  [[nodiscard]] virtual absl::Status sync() = 0;
  [[nodiscard]] virtual absl::Status close() = 0;

  // Bytes appended to the file (where the next append goes), including what
  // append() wrote before failing; reserved zeros beyond it do not count.
  [[nodiscard]] virtual uint64_t size() const = 0;
  [[nodiscard]] virtual const std::string& path() const = 0;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_WRITABLEFILE_H_
