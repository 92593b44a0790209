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

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace muduo::kv {

struct WriteOp {
  // Times (expireAt) are absolute unix times in milliseconds.
  enum class Kind : uint8_t {
    kPut,             // key = value, expiring at expireAt (0: never; keepTtl: as before)
    kDelete,          // key
    kIncrement,       // key += delta, as a decimal int64 (absent counts as 0); keeps the TTL
    kIncrementFloat,  // key += deltaFloat, as a decimal float; keeps the TTL
    kAppend,          // key += value (absent counts as empty); keeps the TTL
    kSetRange,        // overwrite key from `offset` with value, zero-padding; keeps the TTL
    kExpire,          // set key's expiry to expireAt (0: remove it); a past time deletes
    kRename,          // move key (value and expiry) to `target`, replacing it
    kClear,           // delete every key
    kGet,             // read key inside the batch; logs nothing
    kCheck,           // a guard on key: see below
  };
  enum class Condition : uint8_t {
    kNone,
    kAbsent,   // only if the key has no value (kRename: only if `target` has none)
    kPresent,  // only if it has one
    kEquals,   // only if its value equals `expected`
    kExpired,  // only if its expiry time has passed (how expired keys are deleted)
  };
  enum class Outcome : uint8_t {
    kPending,          // not yet written
    kApplied,          // done (a delete of an absent key is applied, existed == false)
    kConditionFailed,  // nothing changed; `current` holds the value found
    kNotAnInteger,     // kIncrement on a value that is not a decimal int64
    kOverflow,         // kIncrement past the int64 range, kIncrementFloat to inf or nan
    kNotAFloat,        // kIncrementFloat on a value that is not a decimal float
    kNoSuchKey,        // kRename, kExpire of an absent key
    kTooLarge,         // kAppend, kSetRange past kMaxValueSize
    kAborted,          // a kCheck of the batch failed: nothing of it was applied
  };

  Kind kind = Kind::kPut;
  Condition condition = Condition::kNone;
  std::string key;
  std::string value;           // kPut, kAppend, kSetRange
  std::string expected;        // Condition::kEquals
  std::string target;          // kRename
  int64_t delta = 0;           // kIncrement
  long double deltaFloat = 0;  // kIncrementFloat
  uint64_t offset = 0;         // kSetRange
  int64_t expireAt = 0;        // kPut, kExpire; kCheck with checkExpiry
  bool keepTtl = false;        // kPut: keep the key's expiry instead of setting expireAt
  // kPut, kDelete, kGet, and any op whose condition fails: fill in `current`
  // with the value found. Off, no value is copied: a failed SET NX on a
  // 16 MiB value, or an EXISTS inside EXEC, costs the store no copy of it.
  bool returnOld = false;
  bool returnOldIfFailed = false;  // the same, only when the condition fails (CAS)
  bool checkExpiry = false;        // kCheck: the key's expiry time must also equal expireAt
  // kExpire only if (Redis 7's EXPIRE options; any combination of bits):
  static constexpr uint8_t kIfNoTtl = 1;    // NX: the key has no expiry
  static constexpr uint8_t kIfHasTtl = 2;   // XX: it has one
  static constexpr uint8_t kIfLater = 4;    // GT: the new time is later (none counts as never)
  static constexpr uint8_t kIfEarlier = 8;  // LT: the new time is earlier
  uint8_t expireIf = 0;
  // What `current` may still take, shared by every op of one owner (a RESP
  // connection's share of its output limit); nullptr: no limit. The store
  // takes each copied value's size from it; a value that does not fit is
  // not copied and resultDropped is set. The owner outlives the op and gives
  // the bytes back once it has turned them into a reply.
  std::atomic<int64_t>* resultBudget = nullptr;

  // Results. Once applied, key and value may have been moved into the store.
  Outcome outcome = Outcome::kPending;
  bool existed = false;        // the key had a value before (not computed for unconditional puts)
  std::string current;         // the value found, if returnOld
  bool resultDropped = false;  // `current` was over resultBudget and left empty
  int64_t number = 0;          // kIncrement: the new value; kAppend, kSetRange: the new length;
                               // kExpire: 1 if the expiry changed, 0 if not; kGet: the expiry time
  std::string text;            // kIncrementFloat: the new value
};

// kCheck ops are WATCH's guards: each is evaluated before every other op of
// its batch, against the state before the batch, with its condition (kAbsent,
// kPresent or kEquals; checkExpiry adds the expiry time). If any fails,
// every op of the batch ends kAborted and nothing is written.

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
  // An op of the given kind on `key`, for the kinds without a helper.
  WriteOp& op(WriteOp::Kind kind, std::string key);
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
