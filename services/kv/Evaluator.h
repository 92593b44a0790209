// Evaluator: turns the ops of write batches into what the log records.
//
// It checks each op's condition, computes what an increment, append or
// rename produces, resolves relative choices (keep the TTL, a time already
// past) against the current state, and reduces every batch to its effects:
// puts, deletes, expiry times and clears, the only things the log holds, so
// replay is deterministic. Ops see the effects of earlier ops in the same
// group through an overlay, built only once some op reads (a group of blind
// SETs pays nothing for it).
//
// Usage, per group: evaluate() each batch (with the table read-locked),
// encode() its effects into the log record, write the log, then apply() the
// effects to the table (write-locked) or clear() them if the log failed.
//
// Thread contract: not thread-safe; the Store uses it only while it holds
// its write mutex, and the table must not change between evaluate() and
// apply().
#ifndef SERVICES_KV_EVALUATOR_H_
#define SERVICES_KV_EVALUATOR_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "services/kv/LogFormat.h"
#include "services/kv/WriteBatch.h"

namespace muduo::kv {

class Table;

class Evaluator {
 public:
  // Evaluates one batch's ops in order (its kCheck ops first), at time
  // `now` (unix ms), filling in their results and adding their effects.
  // False if its effects would outgrow kMaxBatchEffectBytes (one log
  // record): then it adds none, and the batch must be refused.
  [[nodiscard]] bool evaluate(std::vector<WriteOp>& ops, const Table& table, int64_t now);
  [[nodiscard]] size_t effects() const { return effects_.size(); }
  // Appends the ops of effects [first, effects()) to a record's payload.
  void encode(size_t first, std::string* out) const;
  // Applies every effect to `table`, in order (moving keys and values out
  // of the ops), then clear()s.
  void apply(Table* table);
  void clear();

 private:
  struct Effect {
    log::OpKind kind;          // kPut (with expireAt: put-expiring), kDelete, kSetExpiry, kClear
    WriteOp* op;               // a put's value is always op->value
    bool onTarget;             // the key is op->target (a rename's put), not op->key
    const std::string* value;  // the key's value afterwards (nullptr: deleted)
    int64_t expireAt;

    [[nodiscard]] std::string& key() const { return onTarget ? op->target : op->key; }
  };
  // A key's state as the ops so far leave it.
  struct Entry {
    const std::string* value;  // nullptr: absent (or expired)
    int64_t expireAt;          // 0: does not expire
  };

  void evaluateOp(WriteOp* op, const Table& table, int64_t now);
  // Forgets effects [first, effects()) (the overlay is rebuilt when next needed).
  void discardFrom(size_t first);
  [[nodiscard]] bool passes(const WriteOp& op, const Entry& entry) const;
  [[nodiscard]] Entry lookup(std::string_view key, const Table& table, int64_t now);
  // Records an effect on op's key (or target). `value`: what the key holds
  // afterwards (a put's is op->value; a new expiry's the value kept).
  // Brings the overlay up to date with one effect.
  void note(const Effect& e);
  void add(log::OpKind kind, WriteOp* op, const std::string* value, int64_t expireAt,
           bool onTarget = false);

  std::vector<Effect> effects_;
  // The pending state of each key changed in this group; keys not in it
  // are as in the table, or absent after a clear.
  absl::flat_hash_map<std::string_view, Entry> overlay_;
  bool overlayActive_ = false;
  bool cleared_ = false;
  size_t batchEffectBytes_ = 0;  // what the batch being evaluated logs, about
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_EVALUATOR_H_
