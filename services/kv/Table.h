// Table: an ordered map from keys to values, with an optional expiry time per
// key, that also counts its bytes (what the compaction trigger compares the
// log's size against).
//
// Expiry times are absolute unix times in milliseconds. The Table only
// records them: find() still returns an expired key, findLive() hides it,
// and deleting expired keys is the Store's job (through the log, so that a
// deletion is as durable as the write that set the time).
//
// Point operations (find, put of an existing key) go through a hash map of
// stable nodes; the order (Scan, KEYS, snapshots) is a B-tree of views of
// those nodes' keys. A B-tree alone made every GET and SET a root-to-leaf
// walk of cache misses (a node holds only a few string pairs, and each
// comparison follows a key's pointer): half of a pipelined SET's server
// time went there.
//
// The order is kept lazily: a new key only joins a list of keys not yet in
// order (a push_back), and map() sorts that list into the B-tree when
// somebody asks for the order. A store that nobody SCANs never pays for it
// (the tree's descent was most of a new key's SET), and one that does pays
// one sort per batch of new keys instead of a descent per key. Removing a
// key that is still in the list is O(1): its node remembers its place.
//
// Not thread-safe for changes. The const methods, map() included, may run
// in several threads at once (map() sorts the new keys under a mutex of its
// own). The Store guards its Table with a reader-writer lock; recovery and
// compaction each own a private one.
#ifndef SERVICES_KV_TABLE_H_
#define SERVICES_KV_TABLE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "muduo/base/Mutex.h"

namespace muduo::kv {

class Table {
 public:
  // The keys in order, each with its value. Both point into a node of the
  // hash map, which never moves while the key is in the table.
  using Map = absl::btree_map<std::string_view, const std::string*, std::less<>>;

  Table() = default;
  Table(Table&&) = default;
  Table& operator=(Table&&) = default;
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  // nullptr if absent, expired or not. Valid until the next change.
  [[nodiscard]] const std::string* find(std::string_view key) const {
    auto it = values_.find(absl::string_view(key.data(), key.size()));
    return it == values_.end() ? nullptr : &it->second.value;
  }
  // nullptr if absent or expired at `now`. The clock is read only when
  // some key expires: `now` is called at most once.
  template <typename Clock>
  [[nodiscard]] const std::string* findLive(std::string_view key, Clock now) const {
    const std::string* value = find(key);
    if (value == nullptr || expires_.empty()) return value;
    const int64_t at = expireAt(key);
    return at != 0 && at <= now() ? nullptr : value;
  }
  // The key's expiry time, 0 if it has none (or is absent).
  [[nodiscard]] int64_t expireAt(std::string_view key) const {
    if (expires_.empty()) return 0;
    auto it = expires_.find(absl::string_view(key.data(), key.size()));
    return it == expires_.end() ? 0 : it->second;
  }
  [[nodiscard]] bool hasExpiries() const { return !expires_.empty(); }
  [[nodiscard]] size_t expiringKeys() const { return expires_.size(); }

  // expireAt 0: the key does not expire (any earlier time is dropped).
  void put(std::string&& key, std::string&& value, int64_t expireAt = 0);
  void put(std::string_view key, std::string_view value, int64_t expireAt = 0);
  // Sets (0: clears) the expiry of a present key; false if it is absent.
  bool setExpiry(std::string_view key, int64_t expireAt);
  // Whether the key was there.
  bool erase(std::string_view key);
  // Applies a log::RecordType::kMutations payload; false (and nothing
  // applied) if it is malformed.
  [[nodiscard]] bool applyMutations(std::string_view payload);
  void clear();

  // Up to `limit` keys whose time is <= now, earliest first.
  void collectExpired(int64_t now, size_t limit, std::vector<std::string>* keys) const;

  [[nodiscard]] size_t size() const { return values_.size(); }
  // Sum of key and value sizes.
  [[nodiscard]] uint64_t bytes() const { return bytes_; }
  // In key order; valid until the next change. First sorts the keys added
  // since the last call into it.
  [[nodiscard]] const Map& map() const;

 private:
  static constexpr size_t kOrdered = ~size_t{0};
  struct Slot {
    std::string value;
    // The key's index in unordered_, or kOrdered once it is in order_.
    size_t unorderedAt = kOrdered;
  };
  using Node = std::pair<const std::string, Slot>;
  // A fresh mutex for a moved-to table: what it guards moves without it.
  struct OrderMutex {
    OrderMutex() = default;
    OrderMutex(OrderMutex&&) noexcept {}
    OrderMutex& operator=(OrderMutex&&) noexcept { return *this; }
    Mutex mutex;
  };

  template <typename K, typename V>
  void insertOrAssign(K&& key, V&& value);

  // Records the key's time (0: none) without checking that the key exists.
  void setExpiryUnchecked(std::string_view key, int64_t expireAt);

  // Takes the node of a key being removed out of order_ or unordered_.
  void unlist(Node& node);

  // node_hash_map: a key's node (and so the views in order_ and the
  // pointers in unordered_) stays put while the map grows.
  absl::node_hash_map<std::string, Slot> values_;
  // Changed by map() (a const reader) under orderMutex_, and by the
  // changing methods, which the owner runs with no reader about.
  mutable Map order_;
  mutable std::vector<Node*> unordered_;
  mutable OrderMutex orderMutex_;
  uint64_t bytes_ = 0;
  // Only keys that expire, as Redis keeps them: most keys cost nothing. The
  // deadlines, in time order, let the Store find expired keys without a scan.
  absl::flat_hash_map<std::string, int64_t> expires_;
  absl::btree_set<std::pair<int64_t, std::string>> deadlines_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_TABLE_H_
