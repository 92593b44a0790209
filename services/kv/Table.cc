#include "services/kv/Table.h"

#include "services/kv/LogFormat.h"

namespace muduo::kv {

namespace {

// Inserts or overwrites: K and V are std::string (moved in) or string_view
// (copied). Keys in ascending order (a snapshot, a sorted replay) go after
// the last one without a descent, for one comparison with the rightmost key;
// otherwise one descent serves both cases (a find followed by an emplace
// walked the tree twice).
template <typename K, typename V>
void insertOrAssign(Table::Map* map, uint64_t* bytes, K&& key, V&& value) {
  const std::string_view k(key);
  if (!map->empty() && std::string_view(map->rbegin()->first) < k) {
    *bytes += key.size() + value.size();
    map->emplace_hint(map->end(), std::string(std::forward<K>(key)),
                      std::string(std::forward<V>(value)));
    return;
  }
  auto it = map->lower_bound(k);
  if (it == map->end() || std::string_view(it->first) != k) {
    *bytes += key.size() + value.size();
    map->emplace_hint(it, std::string(std::forward<K>(key)), std::string(std::forward<V>(value)));
  } else {
    *bytes = *bytes - it->second.size() + value.size();
    it->second = std::forward<V>(value);
  }
}

}  // namespace

void Table::put(std::string&& key, std::string&& value, int64_t expireAt) {
  if (!expires_.empty() || expireAt != 0) setExpiryUnchecked(key, expireAt);
  insertOrAssign(&map_, &bytes_, std::move(key), std::move(value));
}

void Table::put(std::string_view key, std::string_view value, int64_t expireAt) {
  if (!expires_.empty() || expireAt != 0) setExpiryUnchecked(key, expireAt);
  insertOrAssign(&map_, &bytes_, key, value);
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
