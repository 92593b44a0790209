#include "services/kv/SyncMode.h"

namespace muduo::kv {

std::optional<SyncMode> parseSyncMode(std::string_view name) {
  if (name == "always") return SyncMode::kAlways;
  if (name == "batch") return SyncMode::kBatch;
  if (name == "none") return SyncMode::kNone;
  return std::nullopt;
}

const char* syncModeName(SyncMode mode) {
  switch (mode) {
    case SyncMode::kAlways:
      return "always";
    case SyncMode::kBatch:
      return "batch";
    case SyncMode::kNone:
      return "none";
  }
  return "?";
}

}  // namespace muduo::kv
