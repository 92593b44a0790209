#include "services/kv/Table.h"

#include <algorithm>
#include <iterator>

#include "services/kv/LogFormat.h"

namespace muduo::kv {

// Inserts or overwrites: K and V are std::string (moved in) or string_view
// (copied). Either is one hash lookup; a new key also joins unordered_.
template <typename K, typename V>
void Table::insertOrAssign(K&& key, V&& value) {
  const std::string_view k(key);
  auto found = values_.find(absl::string_view(k.data(), k.size()));
  if (found != values_.end()) {
    bytes_ = bytes_ - found->second.value.size() + std::string_view(value).size();
    found->second.value = std::forward<V>(value);
    return;
  }
  bytes_ += k.size() + std::string_view(value).size();
  auto [it, inserted] =
      values_.emplace(std::string(std::forward<K>(key)),
                      Slot{std::string(std::forward<V>(value)), unordered_.size()});
  unordered_.push_back(&*it);
}

void Table::unlist(Node& node) {
  const size_t at = node.second.unorderedAt;
  if (at == kOrdered) {
    order_.erase(std::string_view(node.first));
    return;
  }
  Node* const last = unordered_.back();
  unordered_[at] = last;
  last->second.unorderedAt = at;
  unordered_.pop_back();
}

const Table::Map& Table::map() const {
  MutexLock lock(&orderMutex_.mutex);
  if (unordered_.empty()) return order_;
  std::sort(unordered_.begin(), unordered_.end(),
            [](const Node* a, const Node* b) { return a->first < b->first; });
  // In ascending order each key most often goes right after the previous
  // one (always into an empty tree): the hint saves the descent.
  auto hint = order_.end();
  for (Node* node : unordered_) {
    hint = std::next(order_.emplace_hint(hint, std::string_view(node->first), &node->second.value));
    node->second.unorderedAt = kOrdered;
  }
  // A big burst of new keys does not pin its list for the life of the table.
  constexpr size_t kKeptCapacity = 1 << 16;
  if (unordered_.capacity() > kKeptCapacity) {
    std::vector<Node*>().swap(unordered_);
  } else {
    unordered_.clear();
  }
  return order_;
}

void Table::put(std::string&& key, std::string&& value, int64_t expireAt) {
  if (!expires_.empty() || expireAt != 0) setExpiryUnchecked(key, expireAt);
  insertOrAssign(std::move(key), std::move(value));
}

void Table::put(std::string_view key, std::string_view value, int64_t expireAt) {
  if (!expires_.empty() || expireAt != 0) setExpiryUnchecked(key, expireAt);
  insertOrAssign(key, value);
}

bool Table::setExpiry(std::string_view key, int64_t expireAt) {
  if (find(key) == nullptr) return false;
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
  auto it = values_.find(absl::string_view(key.data(), key.size()));
  if (it == values_.end()) return false;
  if (!expires_.empty()) setExpiryUnchecked(key, 0);
  bytes_ -= it->first.size() + it->second.value.size();
  // order_ and unordered_ point into the node: drop it from there first.
  unlist(*it);
  values_.erase(it);
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
  order_.clear();
  unordered_.clear();
  values_.clear();
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
