// The sizes the KV service accepts, on every front end (MRPC and RESP).
#ifndef SERVICES_KV_LIMITS_H_
#define SERVICES_KV_LIMITS_H_

#include <cstddef>

namespace muduo::kv {

inline constexpr size_t kMaxKeySize = 64 * 1024;
inline constexpr size_t kMaxValueSize = 16 * 1024 * 1024;
// One atomic batch (an MSET, say); it becomes one log record.
inline constexpr size_t kMaxBatchBytes = 64 * 1024 * 1024;
// What one batch may write to the log, which can be far more than the batch:
// an APPEND of one byte to a 16 MiB value logs the 16 MiB. Past it the store
// refuses the batch (RESOURCE_EXHAUSTED); log::kMaxPayload has room above.
inline constexpr size_t kMaxBatchEffectBytes = 96 * 1024 * 1024;

}  // namespace muduo::kv

#endif  // SERVICES_KV_LIMITS_H_
