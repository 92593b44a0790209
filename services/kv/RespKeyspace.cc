#include "services/kv/RespKeyspace.h"

#include "services/kv/Store.h"

namespace muduo::kv {

std::optional<std::string> visitKeys(const Store& store, std::string_view start, size_t limit,
                                     absl::FunctionRef<void(std::string_view key)> f) {
  return store.keysFrom(start, limit, f);
}

size_t keyCount(const Store& store) { return store.size(); }

std::string_view globLiteralPrefix(std::string_view pattern) {
  const size_t special = pattern.find_first_of("*?[\\");
  return special == std::string_view::npos ? pattern : pattern.substr(0, special);
}

}  // namespace muduo::kv
