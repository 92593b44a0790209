#include "services/kv/RespKeyspace.h"

#include "services/kv/Store.h"

namespace muduo::kv {

std::optional<std::string> visitKeys(const Store& store, std::string_view start, size_t limit,
                                     absl::FunctionRef<void(std::string_view key)> f) {
  return store.keysFrom(start, limit, f);
}

size_t keyCount(const Store& store) { return store.size(); }

uint64_t scanCursorOf(std::string_view key) {
  uint64_t cursor = 0;
  for (size_t i = 0; i < 8; ++i) {
    cursor = (cursor << 8) | (i < key.size() ? static_cast<unsigned char>(key[i]) : 0);
  }
  return cursor;
}

std::string scanStartOf(uint64_t cursor) {
  std::string start(8, '\0');
  for (size_t i = 0; i < 8; ++i) start[i] = static_cast<char>(cursor >> (56 - 8 * i));
  while (!start.empty() && start.back() == '\0') start.pop_back();
  return start;
}

std::string_view globLiteralPrefix(std::string_view pattern) {
  const size_t special = pattern.find_first_of("*?[\\");
  return special == std::string_view::npos ? pattern : pattern.substr(0, special);
}

}  // namespace muduo::kv
