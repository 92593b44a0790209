// ReplayBuffer: replays log records into a Table, collecting the mutations
// of keys in random order by key and applying what they add up to at the
// end (flush()), in key order.
//
// Why: replaying a log of keys in random order straight into the Table's
// B-tree pays a root-to-leaf descent of cache misses for every op (a node
// holds only a few string pairs), and replay spent half its time there. A
// hash map costs about one miss per op; the surviving changes are then
// sorted once and go into the tree in key order, where consecutive
// descents share their path (and nodes fill up instead of splitting
// half-empty). The Table now keeps its order lazily (Table.h), so a put
// into it is a hash insert too: while nothing is buffered, puts go straight
// in.
//
// The result is exactly what Table::applyMutations() of each payload in
// order would give: per key only the last effect matters (a put, a delete,
// or a new expiry time of a key the buffer has not touched); a clear drops
// everything before it.
//
// Keys and values are copied in as they are read (while the record is in
// the cache: gathering them from all over a mapped log at the end cost
// more) and moved into the table.
//
// Thread contract: not thread-safe; one per replay, which owns the table
// until flush().
#ifndef SERVICES_KV_REPLAYBUFFER_H_
#define SERVICES_KV_REPLAYBUFFER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace muduo::kv {

class Table;

class ReplayBuffer {
 public:
  // `table` must outlive the buffer; it is complete only after flush().
  explicit ReplayBuffer(Table* table) : table_(table) {}
  ReplayBuffer(const ReplayBuffer&) = delete;
  ReplayBuffer& operator=(const ReplayBuffer&) = delete;

  // Replays a log::RecordType::kMutations payload; false (and nothing
  // replayed) if it is malformed.
  [[nodiscard]] bool add(std::string_view payload);
  // Applies everything buffered to the table, in key order, and empties the
  // buffer.
  void flush();
  [[nodiscard]] bool empty() const { return entries_.empty(); }
  // Keys buffered: about 80 bytes of hash map each (up to twice that while
  // it grows), besides the keys and values themselves.
  [[nodiscard]] size_t keys() const { return entries_.size(); }

 private:
  enum class Kind : uint8_t {
    kPut,  // value and expireAt
    kErase,
    kSetExpiry,  // of the key as the table has it (the buffer did not touch it)
  };
  struct Entry {
    std::string value;
    int64_t expireAt = 0;
    Kind kind = Kind::kErase;
  };

  // Whether a put of `key` may go straight into the table: nothing is
  // buffered.
  [[nodiscard]] bool appendsToTable(std::string_view key) const;
  void put(std::string_view key, std::string_view value, int64_t expireAt);
  void setExpiry(std::string_view key, int64_t expireAt);
  void noteKey(std::string_view key);

  Table* const table_;
  absl::flat_hash_map<std::string, Entry> entries_;
  // The prefix every key added so far shares: sorting compares the 8 bytes
  // after it first.
  std::string firstKey_;
  size_t commonPrefix_ = 0;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_REPLAYBUFFER_H_
