// WriteBatch: the mutations one Store::write() applies atomically: they are
// logged as one record (all survive a crash or none), made durable together
// and become visible to readers together. Conditions are checked per op, in
// order, against the state left by everything before it.
//
// The store fills in each op's result fields before it calls back.
//
// Thread contract: a value type; one thread at a time.
#ifndef SERVICES_KV_WRITEBATCH_H_
#define SERVICES_KV_WRITEBATCH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace muduo::kv {

struct WriteOp {
  enum class Kind : uint8_t { kPut, kDelete, kIncrement };
  enum class Condition : uint8_t {
    kNone,
    kAbsent,   // only if the key has no value
    kPresent,  // only if it has one
    kEquals,   // only if its value equals `expected`
  };
  enum class Outcome : uint8_t {
    kPending,          // not yet written
    kApplied,          // done (a delete of an absent key is applied, existed == false)
    kConditionFailed,  // nothing changed; `current` holds the value found
    kNotAnInteger,     // kIncrement on a value that is not a decimal int64
    kOverflow,         // kIncrement past the int64 range
  };

  Kind kind = Kind::kPut;
  Condition condition = Condition::kNone;
  std::string key;
  std::string value;     // kPut: the value to write
  std::string expected;  // Condition::kEquals
  int64_t delta = 0;     // kIncrement

  // Results. Once applied, key and value may have been moved into the store.
  Outcome outcome = Outcome::kPending;
  bool existed = false;  // the key had a value before (not computed for unconditional puts)
  std::string current;   // kConditionFailed: the value found, if any
  int64_t number = 0;    // kIncrement: the value after the increment
};

class WriteBatch {
 public:
  // What an op counts against the batch limit: its bytes plus bookkeeping.
  static constexpr size_t kOpOverhead = 32;
  [[nodiscard]] static size_t opBytes(size_t keySize, size_t valueSize) {
    return keySize + valueSize + kOpOverhead;
  }

  // Each returns the new op, valid until the next op is added.
  WriteOp& put(std::string key, std::string value);
  WriteOp& remove(std::string key);
  // expected: nullopt = the key must be absent. desired: nullopt = delete it.
  WriteOp& compareAndSet(std::string key, std::optional<std::string> expected,
                         std::optional<std::string> desired);
  WriteOp& increment(std::string key, int64_t delta);
  WriteOp& add(WriteOp op);

  [[nodiscard]] std::vector<WriteOp>& ops() { return ops_; }
  [[nodiscard]] const std::vector<WriteOp>& ops() const { return ops_; }
  [[nodiscard]] size_t size() const { return ops_.size(); }
  [[nodiscard]] bool empty() const { return ops_.empty(); }
  void clear() { ops_.clear(); }

  // INVALID_ARGUMENT for a key or value over the limits of Limits.h, or a
  // batch too big to be one log record.
  [[nodiscard]] absl::Status validate() const;

 private:
  std::vector<WriteOp> ops_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_WRITEBATCH_H_
