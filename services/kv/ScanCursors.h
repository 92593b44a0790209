// ScanCursors: SCAN's numeric cursors over an ordered keyspace.
//
// Redis's cursor is a number that says where to resume, and clients treat it
// as opaque. Ours is, in the common case, the first 7 bytes of the key to
// resume at, big-endian, in the low 56 bits (short keys padded with zero
// bytes): stateless, valid for ever, and resuming at the smallest key with
// those bytes can revisit keys but never skips one present throughout.
//
// Seven bytes do not tell apart the keys of a long run that shares them
// ("session:..." keys all do), and a batch cannot end inside such a run by
// prefix alone. So a batch that must stop inside a run remembers the exact
// key to resume at here, under a cursor whose top byte is not zero. These
// are server-wide (any connection may continue a scan) and bounded in count
// and bytes, oldest forgotten first; a forgotten cursor is answered with an
// error rather than a wrong place to resume, since restarting would repeat
// the whole keyspace and could loop.
//
// Thread safety: every method may be called from any thread.
#ifndef SERVICES_KV_SCANCURSORS_H_
#define SERVICES_KV_SCANCURSORS_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "muduo/base/Mutex.h"

namespace muduo::kv {

class ScanCursors {
 public:
  static constexpr size_t kMaxCursors = 100'000;
  static constexpr size_t kMaxBytes = 64 << 20;

  // The stateless cursor of every key that starts with `key`'s first 7
  // bytes; 0 for keys whose 7 bytes are all zero.
  [[nodiscard]] static uint64_t prefixCursor(std::string_view key);
  // Whether a cursor is one prefixCursor() makes (the stateless kind).
  [[nodiscard]] static bool isPrefixCursor(uint64_t cursor) { return cursor >> 56 == 0; }

  // A cursor that resumes exactly at `key`.
  uint64_t remember(std::string_view key);
  // Where `cursor` resumes: the smallest key it covers; nullopt if it is a
  // remembered cursor that has been forgotten (or never was one).
  [[nodiscard]] std::optional<std::string> resumeAt(uint64_t cursor) const;

  [[nodiscard]] size_t size() const;

 private:
  mutable Mutex mutex_;
  absl::flat_hash_map<uint64_t, std::string> keys_ ABSL_GUARDED_BY(mutex_);
  std::deque<uint64_t> order_ ABSL_GUARDED_BY(mutex_);  // oldest first
  size_t bytes_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t next_ ABSL_GUARDED_BY(mutex_) = uint64_t{1} << 56;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_SCANCURSORS_H_
