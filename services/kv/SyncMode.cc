#include "services/kv/SyncMode.h"

namespace muduo::kv {

std::optional<SyncMode> parseSyncMode(std::string_view name) {
  if (name == "always") return SyncMode::kAlways;
  if (name == "batch") return SyncMode::kBatch;
  if (name == "everysec") return SyncMode::kEverySec;
  if (name == "no" || name == "none") return SyncMode::kNone;
  return std::nullopt;
}

const char* syncModeName(SyncMode mode) {
  switch (mode) {
    case SyncMode::kAlways:
      return "always";
    case SyncMode::kBatch:
      return "batch";
    case SyncMode::kEverySec:
      return "everysec";
    case SyncMode::kNone:
      return "no";
  }
  return "?";
}

const char* appendfsyncName(SyncMode mode) {
  switch (mode) {
    case SyncMode::kAlways:
    case SyncMode::kBatch:
      return "always";
    case SyncMode::kEverySec:
      return "everysec";
    case SyncMode::kNone:
      return "no";
  }
  return "no";
}

}  // namespace muduo::kv
