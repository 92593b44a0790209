// SyncMode: when the store acknowledges a write, in Redis's words
// (appendfsync), and its names on the command line
// (--sync=always|everysec|no, plus our batch).
//
//   kAlways    acknowledged after an fdatasync(2) that covers it. One sync
//              covers every write waiting when it starts: the log thread
//              syncs one cohort while the I/O loops gather the next, and
//              starts on that one the moment the sync returns.
//   kBatch     kAlways plus a short adaptive wait for stragglers before each
//              sync (GroupCommitQueue::gatherTime()): the same promise with
//              fewer syncs per write, paid for in latency.
//   kEverySec  acknowledged once write(2) put it in the page cache; a
//              background fdatasync runs once a second, so a power loss
//              takes at most the writes of about the last two seconds
//              (LogWriter.h says exactly what is promised).
//   kNone      Redis's "no": never synced by the store (the kernel writes
//              back when it likes): survives the server being killed, not
//              the machine losing power. "none", our earlier name, is an
//              alias.
//
// Thread safety: plain functions of their arguments; any thread.
#ifndef SERVICES_KV_SYNCMODE_H_
#define SERVICES_KV_SYNCMODE_H_

#include <optional>
#include <string_view>

namespace muduo::kv {

enum class SyncMode { kAlways, kBatch, kEverySec, kNone };

// Accepts "always", "batch", "everysec", "no" and "none"; nullopt for
// anything else.
[[nodiscard]] std::optional<SyncMode> parseSyncMode(std::string_view name);
// The canonical name: "always", "batch", "everysec" or "no".
[[nodiscard]] const char* syncModeName(SyncMode mode);
// Redis's appendfsync value with the same promise (batch is "always").
[[nodiscard]] const char* appendfsyncName(SyncMode mode);
// Whether a write waits for an fdatasync covering it before its callback.
[[nodiscard]] constexpr bool syncsBeforeAcknowledging(SyncMode mode) {
  return mode == SyncMode::kAlways || mode == SyncMode::kBatch;
}

}  // namespace muduo::kv

#endif  // SERVICES_KV_SYNCMODE_H_
