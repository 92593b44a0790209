// Table: an ordered map from keys to values that also counts its bytes (what
// the compaction trigger compares the log's size against).
//
// Not thread-safe. The Store guards its Table with a reader-writer lock;
// recovery and compaction each own a private one.
#ifndef SERVICES_KV_TABLE_H_
#define SERVICES_KV_TABLE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/container/btree_map.h"

namespace muduo::kv {

class Table {
 public:
  // A B-tree: several keys per cache line walk, and ordered for Scan.
  using Map = absl::btree_map<std::string, std::string, std::less<>>;

  Table() = default;
  Table(Table&&) = default;
  Table& operator=(Table&&) = default;
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  // nullptr if absent. Valid until the next change.
  [[nodiscard]] const std::string* find(std::string_view key) const {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  void put(std::string&& key, std::string&& value);
  void put(std::string_view key, std::string_view value);
  // Whether the key was there.
  bool erase(std::string_view key);
  // Applies a log::RecordType::kMutations payload; false (and nothing
  // applied) if it is malformed.
  [[nodiscard]] bool applyMutations(std::string_view payload);
  void clear();

  [[nodiscard]] size_t size() const { return map_.size(); }
  // Sum of key and value sizes.
  [[nodiscard]] uint64_t bytes() const { return bytes_; }
  [[nodiscard]] const Map& map() const { return map_; }

 private:
  Map map_;
  uint64_t bytes_ = 0;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_TABLE_H_
