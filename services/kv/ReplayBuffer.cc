#include "services/kv/ReplayBuffer.h"

#include <algorithm>
#include <vector>

#include "services/kv/LogFormat.h"
#include "services/kv/Table.h"

namespace muduo::kv {
namespace {

// Up to 8 bytes of `key` from `offset`, big-endian, zero-padded: comparing
// these compares the keys' bytes there (ties need the whole keys).
uint64_t abbreviate(std::string_view key, size_t offset) {
  uint64_t abbrev = 0;
  for (size_t i = 0; i < 8; ++i) {
    const size_t at = offset + i;
    abbrev = (abbrev << 8) | (at < key.size() ? static_cast<uint8_t>(key[at]) : 0);
  }
  return abbrev;
}

// The map's heterogeneous lookup takes abseil's string_view (not
// std::string_view in Debian's build).
absl::string_view lookupKey(std::string_view key) { return {key.data(), key.size()}; }

}  // namespace

bool ReplayBuffer::add(std::string_view payload) {
  return log::forEachOp(payload, [this](const log::Op& op) {
    switch (op.kind) {
      case log::OpKind::kPut:
      case log::OpKind::kPutExpiring:
        put(op.key, op.value, static_cast<int64_t>(op.expireAt));
        break;
      case log::OpKind::kDelete: {
        noteKey(op.key);
        Entry& entry = entries_.try_emplace(lookupKey(op.key)).first->second;
        std::string().swap(entry.value);
        entry.kind = Kind::kErase;
        break;
      }
      case log::OpKind::kSetExpiry:
        setExpiry(op.key, static_cast<int64_t>(op.expireAt));
        break;
      case log::OpKind::kClear:
        // Drops the table and everything buffered (all of it came before).
        entries_.clear();
        table_->clear();
        break;
    }
  });
}

bool ReplayBuffer::appendsToTable(std::string_view) const {
  // A put into the Table is a hash insert (its order is sorted lazily), so
  // the buffer only matters once it holds something later ops must follow.
  return empty();
}

void ReplayBuffer::put(std::string_view key, std::string_view value, int64_t expireAt) {
  if (appendsToTable(key)) {
    table_->put(key, value, expireAt);
    return;
  }
  noteKey(key);
  Entry& entry = entries_.try_emplace(lookupKey(key)).first->second;
  entry.value.assign(value);
  entry.expireAt = expireAt;
  entry.kind = Kind::kPut;
}

void ReplayBuffer::setExpiry(std::string_view key, int64_t expireAt) {
  auto it = entries_.find(lookupKey(key));
  if (it == entries_.end()) {
    // Untouched by the buffer: the table's key, if it has one.
    noteKey(key);
    Entry& entry = entries_.try_emplace(lookupKey(key)).first->second;
    entry.expireAt = expireAt;
    entry.kind = Kind::kSetExpiry;
    return;
  }
  if (it->second.kind != Kind::kErase) it->second.expireAt = expireAt;
}

void ReplayBuffer::noteKey(std::string_view key) {
  if (entries_.empty() && firstKey_.empty()) {
    firstKey_ = key;
    commonPrefix_ = key.size();
    return;
  }
  const size_t limit = std::min(commonPrefix_, key.size());
  size_t i = 0;
  while (i < limit && key[i] == firstKey_[i]) ++i;
  commonPrefix_ = i;
}

void ReplayBuffer::flush() {
  struct SortKey {
    uint64_t abbrev;
    std::pair<const std::string, Entry>* entry;
  };
  std::vector<SortKey> order;
  order.reserve(entries_.size());
  for (auto& entry : entries_) {
    order.push_back(SortKey{abbreviate(entry.first, commonPrefix_), &entry});
  }
  std::sort(order.begin(), order.end(), [](const SortKey& a, const SortKey& b) {
    if (a.abbrev != b.abbrev) return a.abbrev < b.abbrev;
    return a.entry->first < b.entry->first;
  });
  // The entries are all over the hash map: fetch a few ahead.
  constexpr size_t kPrefetchAhead = 8;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i + kPrefetchAhead < order.size()) __builtin_prefetch(order[i + kPrefetchAhead].entry);
    const SortKey& k = order[i];
    const std::string& key = k.entry->first;
    Entry& e = k.entry->second;
    switch (e.kind) {
      case Kind::kPut:
        // The key is copied (the map's keys are const; most fit std::string's
        // inline buffer), the value moved.
        table_->put(std::string(key), std::move(e.value), e.expireAt);
        break;
      case Kind::kErase:
        table_->erase(key);
        break;
      case Kind::kSetExpiry:
        table_->setExpiry(key, e.expireAt);
        break;
    }
  }
  entries_.clear();
  firstKey_.clear();
  commonPrefix_ = 0;
}

}  // namespace muduo::kv
