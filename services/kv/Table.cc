#include "services/kv/Table.h"

#include "services/kv/LogFormat.h"

namespace muduo::kv {

void Table::put(std::string&& key, std::string&& value, int64_t expireAt) {
  if (!expires_.empty() || expireAt != 0) setExpiryUnchecked(key, expireAt);
  auto it = map_.find(key);
  if (it == map_.end()) {
    bytes_ += key.size() + value.size();
    map_.emplace(std::move(key), std::move(value));
  } else {
    bytes_ = bytes_ - it->second.size() + value.size();
    it->second = std::move(value);
  }
}

void Table::put(std::string_view key, std::string_view value, int64_t expireAt) {
  if (!expires_.empty() || expireAt != 0) setExpiryUnchecked(key, expireAt);
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

bool Table::setExpiry(std::string_view key, int64_t expireAt) {
  if (map_.find(key) == map_.end()) return false;
  setExpiryUnchecked(key, expireAt);
  return true;
}

void Table::setExpiryUnchecked(std::string_view key, int64_t expireAt) {
  auto it = expires_.find(absl::string_view(key.data(), key.size()));
  if (it != expires_.end()) {
    if (it->second == expireAt) return;
    deadlines_.erase({it->second, std::string(key)});
    if (expireAt == 0) {
      expires_.erase(it);
      return;
    }
    it->second = expireAt;
  } else {
    if (expireAt == 0) return;
    expires_.emplace(std::string(key), expireAt);
  }
  deadlines_.emplace(expireAt, std::string(key));
}

bool Table::erase(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end()) return false;
  if (!expires_.empty()) setExpiryUnchecked(key, 0);
  bytes_ -= it->first.size() + it->second.size();
  map_.erase(it);
  return true;
}

bool Table::applyMutations(std::string_view payload) {
  return log::forEachOp(payload, [this](const log::Op& op) {
    switch (op.kind) {
      case log::OpKind::kPut:
      case log::OpKind::kPutExpiring:
        put(op.key, op.value, static_cast<int64_t>(op.expireAt));
        break;
      case log::OpKind::kDelete:
        erase(op.key);
        break;
      case log::OpKind::kSetExpiry:
        setExpiry(op.key, static_cast<int64_t>(op.expireAt));
        break;
      case log::OpKind::kClear:
        clear();
        break;
    }
  });
}

void Table::clear() {
  map_.clear();
  expires_.clear();
  deadlines_.clear();
  bytes_ = 0;
}

void Table::collectExpired(int64_t now, size_t limit, std::vector<std::string>* keys) const {
  for (auto it = deadlines_.begin(); it != deadlines_.end() && it->first <= now; ++it) {
    if (keys->size() >= limit) break;
    keys->push_back(it->second);
  }
}

}  // namespace muduo::kv
