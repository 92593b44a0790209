#include "services/kv/Evaluator.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "services/kv/Limits.h"
#include "services/kv/Table.h"

namespace muduo::kv {
namespace {

using Kind = WriteOp::Kind;
using Condition = WriteOp::Condition;
using Outcome = WriteOp::Outcome;

// A decimal int64 in canonical form, as Redis's INCR accepts it: no sign but
// '-', no leading zeros, no spaces.
bool parseCanonicalInt64(std::string_view s, int64_t* value) {
  if (s.empty() || s.size() > 20) return false;
  const std::string_view digits = s[0] == '-' ? s.substr(1) : s;
  if (digits.empty() || (digits[0] == '0' && (digits.size() > 1 || s[0] == '-'))) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *value);
  return ec == std::errc() && end == s.data() + s.size();
}

// A float as Redis's INCRBYFLOAT reads one: the whole string, no leading
// space, not NaN, not out of range.
bool parseLongDouble(std::string_view s, long double* value) {
  if (s.empty() || s.size() >= 5 * 1024 || std::isspace(static_cast<unsigned char>(s[0]))) {
    return false;
  }
  const std::string copy(s);  // strtold needs the terminator
  char* end = nullptr;
  errno = 0;
  *value = std::strtold(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || std::isnan(*value)) return false;
  return !(errno == ERANGE && (std::isinf(*value) || *value == 0));
}

// Fixed-point with 17 decimals, trailing zeros dropped: "10.5", not "1.05e1".
std::string formatLongDouble(long double value) {
  char buf[5 * 1024 + 64];
  int n = std::snprintf(buf, sizeof buf, "%.17Lf", value);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return "0";
  std::string_view text(buf, static_cast<size_t>(n));
  if (text.find('.') != std::string_view::npos) {
    while (text.back() == '0') text.remove_suffix(1);
    if (text.back() == '.') text.remove_suffix(1);
  }
  if (text == "-0") return "0";
  return std::string(text);
}

// A key without an expiry lives forever: later than any time (GT fails),
// and any time is earlier (LT holds).
bool expiryConditionHolds(const WriteOp& op, int64_t current) {
  if ((op.expireIf & WriteOp::kIfNoTtl) && current != 0) return false;
  if ((op.expireIf & WriteOp::kIfHasTtl) && current == 0) return false;
  if ((op.expireIf & WriteOp::kIfLater) && (current == 0 || op.expireAt <= current)) return false;
  if ((op.expireIf & WriteOp::kIfEarlier) && current != 0 && op.expireAt >= current) return false;
  return true;
}

// The one place a value is copied out of the table into an op's results,
// within the op's owner's budget.
void copyResult(WriteOp* op, const std::string& value) {
  if (std::atomic<int64_t>* budget = op->resultBudget; budget != nullptr) {
    const auto size = static_cast<int64_t>(value.size());
    if (budget->fetch_sub(size, std::memory_order_relaxed) < size) {
      budget->fetch_add(size, std::memory_order_relaxed);
      op->resultDropped = true;
      return;
    }
  }
  op->current = value;
}

}  // namespace

bool Evaluator::evaluate(std::vector<WriteOp>& ops, const Table& table, int64_t now) {
  const size_t first = effects_.size();
  batchEffectBytes_ = 0;
  for (WriteOp& op : ops) {
    if (op.kind != Kind::kCheck) continue;
    const Entry entry = lookup(op.key, table, now);
    op.existed = entry.value != nullptr;
    const bool pass = passes(op, entry) && (!op.checkExpiry || entry.expireAt == op.expireAt);
    op.outcome = pass ? Outcome::kApplied : Outcome::kConditionFailed;
    if (!pass) {
      for (WriteOp& each : ops) each.outcome = Outcome::kAborted;
      return true;
    }
  }
  for (WriteOp& op : ops) {
    if (op.kind == Kind::kCheck) continue;
    evaluateOp(&op, table, now);
    // Checked as it grows, so a refused batch never holds much more.
    if (batchEffectBytes_ > kMaxBatchEffectBytes) {
      discardFrom(first);
      return false;
    }
  }
  return true;
}

void Evaluator::discardFrom(size_t first) {
  effects_.resize(first);
  overlay_.clear();
  overlayActive_ = false;
  cleared_ = false;
}

Evaluator::Entry Evaluator::lookup(std::string_view key, const Table& table, int64_t now) {
  if (!overlayActive_) {
    // Replays this group's effects so far; from now on add() keeps it current.
    overlayActive_ = true;
    for (const Effect& e : effects_) note(e);
  }
  if (auto it = overlay_.find(key); it != overlay_.end()) return it->second;
  if (cleared_) return Entry{nullptr, 0};
  const std::string* value = table.find(key);
  if (value == nullptr) return Entry{nullptr, 0};
  const int64_t at = table.expireAt(key);
  if (at != 0 && at <= now) return Entry{nullptr, 0};
  return Entry{value, at};
}

bool Evaluator::passes(const WriteOp& op, const Entry& entry) const {
  switch (op.condition) {
    case Condition::kNone:
    case Condition::kExpired:  // checked by evaluateOp, which sees expired keys
      return true;
    case Condition::kAbsent:
      return entry.value == nullptr;
    case Condition::kPresent:
      return entry.value != nullptr;
    case Condition::kEquals:
      return entry.value != nullptr && *entry.value == op.expected;
  }
  return false;
}

void Evaluator::add(log::OpKind kind, WriteOp* op, const std::string* value, int64_t expireAt,
                    bool onTarget) {
  const Effect& e = effects_.emplace_back(Effect{kind, op, onTarget, value, expireAt});
  batchEffectBytes_ += e.key().size() + WriteBatch::kOpOverhead;
  if (kind == log::OpKind::kPut || kind == log::OpKind::kPutExpiring) {
    batchEffectBytes_ += op->value.size();
  }
  if (overlayActive_) note(e);
}

void Evaluator::note(const Effect& e) {
  switch (e.kind) {
    case log::OpKind::kPut:
    case log::OpKind::kPutExpiring:
    case log::OpKind::kSetExpiry:
      overlay_[e.key()] = Entry{e.value, e.expireAt};
      break;
    case log::OpKind::kDelete:
      overlay_[e.key()] = Entry{nullptr, 0};
      break;
    case log::OpKind::kClear:
      overlay_.clear();
      cleared_ = true;
      break;
  }
}

void Evaluator::evaluateOp(WriteOp* op, const Table& table, int64_t now) {
  if (op->condition == Condition::kExpired) {
    // Deleting an expired key: only if no op of this group rewrote it and
    // its time has passed. lookup() hides expired keys, so look underneath.
    (void)lookup(op->key, table, now);  // builds the overlay
    const bool rewritten = cleared_ || overlay_.contains(op->key);
    const int64_t at = table.expireAt(op->key);
    if (rewritten || table.find(op->key) == nullptr || at == 0 || at > now) {
      op->outcome = Outcome::kConditionFailed;
      return;
    }
    op->outcome = Outcome::kApplied;
    add(log::OpKind::kDelete, op, nullptr, 0);
    return;
  }

  const bool blindPut =
      op->kind == Kind::kPut && op->condition == Condition::kNone && !op->keepTtl && !op->returnOld;
  if (blindPut) {
    op->outcome = Outcome::kApplied;
    if (op->expireAt != 0 && op->expireAt <= now) {
      add(log::OpKind::kDelete, op, nullptr, 0);  // set and expired at once
    } else {
      add(log::OpKind::kPut, op, &op->value, op->expireAt);
    }
    return;
  }
  if (op->kind == Kind::kClear) {
    op->outcome = Outcome::kApplied;
    add(log::OpKind::kClear, op, nullptr, 0);
    return;
  }

  const Entry entry = lookup(op->key, table, now);
  op->existed = entry.value != nullptr;
  if (op->kind == Kind::kRename) {
    if (entry.value == nullptr) {
      op->outcome = Outcome::kNoSuchKey;
      return;
    }
    if (op->condition == Condition::kAbsent) {
      const Entry target = lookup(op->target, table, now);
      if (target.value != nullptr) {
        op->outcome = Outcome::kConditionFailed;
        return;
      }
    }
    op->outcome = Outcome::kApplied;
    if (op->target == op->key) return;
    op->value = *entry.value;
    const int64_t at = entry.expireAt;
    add(log::OpKind::kDelete, op, nullptr, 0);
    add(log::OpKind::kPut, op, &op->value, at, /*onTarget=*/true);
    return;
  }
  if (!passes(*op, entry)) {
    op->outcome = Outcome::kConditionFailed;
    if ((op->returnOld || op->returnOldIfFailed) && entry.value != nullptr) {
      copyResult(op, *entry.value);
    }
    return;
  }
  if (op->returnOld && entry.value != nullptr) copyResult(op, *entry.value);

  switch (op->kind) {
    case Kind::kPut: {
      op->outcome = Outcome::kApplied;
      const int64_t at = op->keepTtl ? entry.expireAt : op->expireAt;
      if (at != 0 && at <= now) {
        if (entry.value != nullptr) add(log::OpKind::kDelete, op, nullptr, 0);
      } else {
        add(log::OpKind::kPut, op, &op->value, at);
      }
      return;
    }
    case Kind::kDelete:
      op->outcome = Outcome::kApplied;
      if (entry.value != nullptr) add(log::OpKind::kDelete, op, nullptr, 0);
      return;
    case Kind::kGet:
      op->outcome = Outcome::kApplied;
      op->number = entry.expireAt;
      return;
    case Kind::kIncrement: {
      int64_t base = 0;
      if (entry.value != nullptr && !parseCanonicalInt64(*entry.value, &base)) {
        op->outcome = Outcome::kNotAnInteger;
        return;
      }
      if (__builtin_add_overflow(base, op->delta, &op->number)) {
        op->outcome = Outcome::kOverflow;
        return;
      }
      op->value = std::to_string(op->number);
      break;
    }
    case Kind::kIncrementFloat: {
      long double base = 0;
      if (entry.value != nullptr && !parseLongDouble(*entry.value, &base)) {
        op->outcome = Outcome::kNotAFloat;
        return;
      }
      const long double sum = base + op->deltaFloat;
      if (std::isnan(sum) || std::isinf(sum)) {
        op->outcome = Outcome::kOverflow;
        return;
      }
      op->value = formatLongDouble(sum);
      op->text = op->value;
      break;
    }
    case Kind::kAppend: {
      const size_t size = (entry.value != nullptr ? entry.value->size() : 0) + op->value.size();
      if (size > kMaxValueSize) {
        op->outcome = Outcome::kTooLarge;
        return;
      }
      if (entry.value != nullptr) op->value.insert(0, *entry.value);
      op->number = static_cast<int64_t>(op->value.size());
      break;
    }
    case Kind::kSetRange: {
      const size_t oldSize = entry.value != nullptr ? entry.value->size() : 0;
      if (op->value.empty()) {  // changes nothing, creates nothing
        op->outcome = Outcome::kApplied;
        op->number = static_cast<int64_t>(oldSize);
        return;
      }
      if (op->offset > kMaxValueSize || op->offset + op->value.size() > kMaxValueSize) {
        op->outcome = Outcome::kTooLarge;
        return;
      }
      std::string result = entry.value != nullptr ? *entry.value : std::string();
      const size_t end = static_cast<size_t>(op->offset) + op->value.size();
      if (result.size() < end) result.resize(end, '\0');
      result.replace(static_cast<size_t>(op->offset), op->value.size(), op->value);
      op->value = std::move(result);
      op->number = static_cast<int64_t>(op->value.size());
      break;
    }
    case Kind::kExpire: {
      op->outcome = entry.value != nullptr ? Outcome::kApplied : Outcome::kNoSuchKey;
      op->number = 0;
      if (entry.value == nullptr || !expiryConditionHolds(*op, entry.expireAt)) return;
      if (op->expireAt == 0) {
        if (entry.expireAt == 0) return;  // PERSIST of a key without a time
        add(log::OpKind::kSetExpiry, op, entry.value, 0);
      } else if (op->expireAt <= now) {
        add(log::OpKind::kDelete, op, nullptr, 0);
      } else {
        add(log::OpKind::kSetExpiry, op, entry.value, op->expireAt);
      }
      op->number = 1;
      return;
    }
    case Kind::kCheck:
    case Kind::kRename:
    case Kind::kClear:
      return;  // handled above
  }
  // The read-modify-write kinds: the new value in op->value, the TTL kept.
  op->outcome = Outcome::kApplied;
  add(log::OpKind::kPut, op, &op->value, entry.expireAt);
}

void Evaluator::encode(size_t first, std::string* out) const {
  for (size_t i = first; i < effects_.size(); ++i) {
    const Effect& e = effects_[i];
    switch (e.kind) {
      case log::OpKind::kPut:
      case log::OpKind::kPutExpiring:
        log::appendPut(out, e.key(), e.op->value, static_cast<uint64_t>(e.expireAt));
        break;
      case log::OpKind::kDelete:
        log::appendDelete(out, e.key());
        break;
      case log::OpKind::kSetExpiry:
        log::appendSetExpiry(out, e.key(), static_cast<uint64_t>(e.expireAt));
        break;
      case log::OpKind::kClear:
        log::appendClear(out);
        break;
    }
  }
}

void Evaluator::apply(Table* table) {
  // The overlay points into the ops' strings, which the puts move away.
  overlay_.clear();
  for (Effect& e : effects_) {
    switch (e.kind) {
      case log::OpKind::kPut:
      case log::OpKind::kPutExpiring:
        table->put(std::move(e.key()), std::move(e.op->value), e.expireAt);
        break;
      case log::OpKind::kDelete:
        table->erase(e.key());
        break;
      case log::OpKind::kSetExpiry:
        table->setExpiry(e.key(), e.expireAt);
        break;
      case log::OpKind::kClear:
        table->clear();
        break;
    }
  }
  clear();
}

void Evaluator::clear() {
  effects_.clear();
  overlay_.clear();
  overlayActive_ = false;
  cleared_ = false;
}

}  // namespace muduo::kv
