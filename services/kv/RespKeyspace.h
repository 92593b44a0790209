// Helpers for the RESP commands that walk the keyspace (KEYS, SCAN,
// RANDOMKEY, DBSIZE): a chunked, ordered walk that never holds the store's
// lock for more than one chunk, and SCAN's numeric cursor.
//
// SCAN's cursor is the first 8 bytes of the key to resume at, big-endian
// (short keys padded with zero bytes). Resuming at the smallest key with
// that prefix (the bytes with trailing zeros stripped) can revisit keys but
// never skips one that was present throughout, and a batch always ends at
// a change of 8-byte prefix, so a long run of keys sharing one prefix is
// returned in one batch instead of looping for ever.
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

// The cursor of `key` (its first 8 bytes, big-endian).
[[nodiscard]] uint64_t scanCursorOf(std::string_view key);
// The smallest key whose cursor is `cursor`.
[[nodiscard]] std::string scanStartOf(uint64_t cursor);
// The part of a glob pattern before its first special byte: every match
// starts with it.
[[nodiscard]] std::string_view globLiteralPrefix(std::string_view pattern);

}  // namespace muduo::kv

#endif  // SERVICES_KV_RESPKEYSPACE_H_
