#include "services/kv/Table.h"

#include "services/kv/LogFormat.h"

namespace muduo::kv {

void Table::put(std::string&& key, std::string&& value) {
  auto it = map_.find(key);
  if (it == map_.end()) {
    bytes_ += key.size() + value.size();
    map_.emplace(std::move(key), std::move(value));
  } else {
    bytes_ = bytes_ - it->second.size() + value.size();
    it->second = std::move(value);
  }
}

void Table::put(std::string_view key, std::string_view value) {
  // One descent for both cases: replay inserts mostly new keys, and a find
  // followed by an emplace walked the tree twice for each.
  auto it = map_.lower_bound(key);
  if (it == map_.end() || std::string_view(it->first) != key) {
    bytes_ += key.size() + value.size();
    map_.emplace_hint(it, std::string(key), std::string(value));
  } else {
    bytes_ = bytes_ - it->second.size() + value.size();
    it->second.assign(value);
  }
}

bool Table::erase(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end()) return false;
  bytes_ -= it->first.size() + it->second.size();
  map_.erase(it);
  return true;
}

bool Table::applyMutations(std::string_view payload) {
  return log::forEachOp(payload,
                        [this](log::OpKind kind, std::string_view key, std::string_view value) {
                          if (kind == log::OpKind::kPut) {
                            put(key, value);
                          } else {
                            erase(key);
                          }
                        });
}

void Table::clear() {
  map_.clear();
  bytes_ = 0;
}

}  // namespace muduo::kv
