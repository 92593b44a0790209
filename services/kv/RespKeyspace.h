// Helpers for the RESP commands that walk the keyspace (KEYS, SCAN,
// RANDOMKEY, DBSIZE): a chunked, ordered walk that never holds the store's
// lock for more than one chunk. SCAN's cursor is ScanCursors.h.
//
// Thread safety: pure functions over a thread-safe Store.
#ifndef SERVICES_KV_RESPKEYSPACE_H_
#define SERVICES_KV_RESPKEYSPACE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"

namespace muduo::kv {

class Store;

// Visits up to `limit` keys >= `start` in order, under one read lock.
// Returns where to resume, or nullopt at the end.
std::optional<std::string> visitKeys(const Store& store, std::string_view start, size_t limit,
                                     absl::FunctionRef<void(std::string_view key)> f);
[[nodiscard]] size_t keyCount(const Store& store);

// The part of a glob pattern before its first special byte: every match
// starts with it.
[[nodiscard]] std::string_view globLiteralPrefix(std::string_view pattern);

}  // namespace muduo::kv

#endif  // SERVICES_KV_RESPKEYSPACE_H_
