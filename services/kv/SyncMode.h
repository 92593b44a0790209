// SyncMode: how hard the store pushes each write towards the disk, and
// its names on the command line (--sync=always|batch|none).
//
//   kAlways  one fdatasync(2) per write batch
//   kBatch   one fdatasync(2) per group of batches (group commit)
//   kNone    no fdatasync: writes survive the process being killed, not
//            the machine losing power
//
// Thread safety: plain functions of their arguments; any thread.
#ifndef SERVICES_KV_SYNCMODE_H_
#define SERVICES_KV_SYNCMODE_H_

#include <optional>
#include <string_view>

namespace muduo::kv {

enum class SyncMode { kAlways, kBatch, kNone };

[[nodiscard]] std::optional<SyncMode> parseSyncMode(std::string_view name);
[[nodiscard]] const char* syncModeName(SyncMode mode);

}  // namespace muduo::kv

#endif  // SERVICES_KV_SYNCMODE_H_
