// The string commands: GET, SET and its variants, counters, ranges. Each
// handler sits next to the replier that answers its write; inside EXEC the
// reads become kGet ops so they see the transaction's own writes.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/kv/Limits.h"
#include "services/kv/RespCall.h"
#include "services/kv/RespCommandTable.h"
#include "services/kv/RespErrors.h"
#include "services/kv/RespExpiry.h"
#include "services/kv/RespReply.h"
#include "services/kv/Store.h"

namespace muduo::kv {
namespace {

using Flag = RespCommand::Flag;
using Kind = WriteOp::Kind;
using Outcome = WriteOp::Outcome;

// MGET reads this many keys, or about this many bytes of values, under one
// read lock before it lets writers in and checks the output limit.
constexpr size_t kMgetChunkKeys = 256;
constexpr size_t kMgetChunkBytes = 1 << 20;

constexpr std::string_view kTooLarge =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

// --- Repliers ---

void replyOk(RespReply& reply, std::span<WriteOp>) { reply.simple("OK"); }

void replyOkOrNil(RespReply& reply, std::span<WriteOp> ops) {
  if (ops[0].outcome == Outcome::kApplied) {
    reply.simple("OK");
  } else {
    reply.nil();
  }
}

void replyAppliedAsInteger(RespReply& reply, std::span<WriteOp> ops) {
  reply.integer(ops[0].outcome == Outcome::kApplied ? 1 : 0);
}

// The value before the op (returnOld), or nil.
void replyValue(RespReply& reply, std::span<WriteOp> ops) {
  if (ops[0].existed) {
    reply.bulk(ops[0].current);
  } else {
    reply.nil();
  }
}

void replyValues(RespReply& reply, std::span<WriteOp> ops) {
  reply.arrayHeader(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) replyValue(reply, ops.subspan(i, 1));
}

void replyNumber(RespReply& reply, std::span<WriteOp> ops) {
  switch (ops[0].outcome) {
    case Outcome::kApplied:
      reply.integer(ops[0].number);
      break;
    case Outcome::kOverflow:
      reply.error(kOverflow);
      break;
    default:
      reply.error(kNotAnInteger);
      break;
  }
}

void replyFloat(RespReply& reply, std::span<WriteOp> ops) {
  switch (ops[0].outcome) {
    case Outcome::kApplied:
      reply.bulk(ops[0].text);
      break;
    case Outcome::kOverflow:
      reply.error("ERR increment would produce NaN or Infinity");
      break;
    default:
      reply.error(kNotAFloat);
      break;
  }
}

void replyLength(RespReply& reply, std::span<WriteOp> ops) {
  if (ops[0].outcome == Outcome::kTooLarge) {
    reply.error(kTooLarge);
  } else {
    reply.integer(ops[0].number);
  }
}

// MSETNX: its guards (one kAbsent check per key) pass or abort it whole.
void replyAllOrNothing(RespReply& reply, std::span<WriteOp> ops) {
  reply.integer(!ops.empty() && ops[0].outcome == Outcome::kAborted ? 0 : 1);
}

// --- Helpers ---

// Adds one op on `key` to the call's batch. `logged`: the value the op will
// log, if larger than `value` (APPEND and SETRANGE log the whole result).
WriteOp& oneOp(RespCall& call, Kind kind, std::string_view key, std::string_view value,
               size_t* first, size_t logged = 0) {
  WriteBatch& batch =
      call.batchFor(WriteBatch::opBytes(key.size(), std::max(value.size(), logged)));
  *first = batch.size();
  WriteOp& op = batch.op(kind, std::string(key));
  op.value = std::string(value);
  return op;
}

// Redis's rule for GETRANGE offsets: negative counts from the end, then clamp.
std::string_view substring(std::string_view value, int64_t start, int64_t end) {
  const int64_t length = static_cast<int64_t>(value.size());
  if (start < 0 && end < 0 && start > end) return {};
  if (start < 0) start += length;
  if (end < 0) end += length;
  start = std::max<int64_t>(start, 0);
  end = std::min(std::max<int64_t>(end, 0), length - 1);
  if (length == 0 || start > end) return {};
  return value.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1));
}

// --- GET, SET and friends ---

void get(RespCall& call) {
  if (call.inTransaction()) return call.readInBatch(call.args().subspan(1, 1), replyValue);
  RespReply& reply = call.reply();
  if (!call.store().read(call.arg(1), [&reply](std::string_view value) { reply.bulk(value); })) {
    reply.nil();
  }
}

// SET's and GETEX's options, parsed as Redis does: each expiry option
// excludes the others, NX excludes XX, and an option that needs a value
// takes the next argument.
struct SetOptions {
  WriteOp::Condition condition = WriteOp::Condition::kNone;
  bool get = false;
  bool keepTtl = false;
  bool persist = false;
  std::optional<std::pair<ExpiryUnit, std::string_view>> expiry;
};

bool parseSetOptions(RespCall& call, size_t from, bool isSet, SetOptions* options) {
  for (size_t i = from; i < call.argc(); ++i) {
    const std::string_view option = call.arg(i);
    const bool hasNext = i + 1 < call.argc();
    const bool expiryFree = !options->expiry && !options->keepTtl && !options->persist;
    std::optional<ExpiryUnit> unit;
    if (equalsIgnoreCase(option, "ex")) unit = ExpiryUnit::kSeconds;
    if (equalsIgnoreCase(option, "px")) unit = ExpiryUnit::kMilliseconds;
    if (equalsIgnoreCase(option, "exat")) unit = ExpiryUnit::kUnixSeconds;
    if (equalsIgnoreCase(option, "pxat")) unit = ExpiryUnit::kUnixMilliseconds;
    if (isSet && equalsIgnoreCase(option, "nx") &&
        options->condition != WriteOp::Condition::kPresent) {
      options->condition = WriteOp::Condition::kAbsent;
    } else if (isSet && equalsIgnoreCase(option, "xx") &&
               options->condition != WriteOp::Condition::kAbsent) {
      options->condition = WriteOp::Condition::kPresent;
    } else if (isSet && equalsIgnoreCase(option, "get")) {
      options->get = true;
    } else if (isSet && equalsIgnoreCase(option, "keepttl") && expiryFree) {
      options->keepTtl = true;
    } else if (!isSet && equalsIgnoreCase(option, "persist") && expiryFree) {
      options->persist = true;
    } else if (unit && hasNext && !options->keepTtl && !options->persist &&
               (!options->expiry || options->expiry->first == *unit)) {
      options->expiry.emplace(*unit, call.arg(++i));  // the same option again: the last wins
    } else {
      call.reply().error(kSyntaxError);
      return false;
    }
  }
  return true;
}

void set(RespCall& call) {
  SetOptions options;
  if (!parseSetOptions(call, 3, /*isSet=*/true, &options)) return;
  int64_t expireAt = 0;
  if (options.expiry) {
    std::optional<int64_t> at = positiveExpiry(call, options.expiry->second, options.expiry->first,
                                               "set", call.store().now());
    if (!at) return;
    expireAt = *at;
  }
  if (!checkKeySize(call, call.arg(1))) return;
  size_t first = 0;
  WriteOp& op = oneOp(call, Kind::kPut, call.arg(1), call.arg(2), &first);
  op.condition = options.condition;
  op.expireAt = expireAt;
  op.keepTtl = options.keepTtl;
  op.returnOld = options.get;
  call.submit(first, options.get                                      ? replyValue
                     : options.condition == WriteOp::Condition::kNone ? replyOk
                                                                      : replyOkOrNil);
}

void setnx(RespCall& call) {
  if (!checkKeySize(call, call.arg(1))) return;
  size_t first = 0;
  oneOp(call, Kind::kPut, call.arg(1), call.arg(2), &first).condition = WriteOp::Condition::kAbsent;
  call.submit(first, replyAppliedAsInteger);
}

void setexWith(RespCall& call, ExpiryUnit unit, std::string_view name) {
  std::optional<int64_t> at = positiveExpiry(call, call.arg(2), unit, name, call.store().now());
  if (!at || !checkKeySize(call, call.arg(1))) return;
  size_t first = 0;
  oneOp(call, Kind::kPut, call.arg(1), call.arg(3), &first).expireAt = *at;
  call.submit(first, replyOk);
}

void setex(RespCall& call) { setexWith(call, ExpiryUnit::kSeconds, "setex"); }
void psetex(RespCall& call) { setexWith(call, ExpiryUnit::kMilliseconds, "psetex"); }

void getset(RespCall& call) {
  if (!checkKeySize(call, call.arg(1))) return;
  size_t first = 0;
  oneOp(call, Kind::kPut, call.arg(1), call.arg(2), &first).returnOld = true;
  call.submit(first, replyValue);
}

void getdel(RespCall& call) {
  if (!checkKeySize(call, call.arg(1))) return;
  size_t first = 0;
  oneOp(call, Kind::kDelete, call.arg(1), "", &first).returnOld = true;
  call.submit(first, replyValue);
}

void getex(RespCall& call) {
  SetOptions options;
  if (!parseSetOptions(call, 2, /*isSet=*/false, &options)) return;
  // Even a plain GETEX goes through the batch: it is not flagged as a read,
  // so it does not wait for this connection's writes, and a kGet behind
  // them sees them.
  if (!options.expiry && !options.persist) {
    return call.readInBatch(call.args().subspan(1, 1), replyValue);
  }
  int64_t expireAt = 0;  // PERSIST
  if (options.expiry) {
    std::optional<int64_t> at = positiveExpiry(call, options.expiry->second, options.expiry->first,
                                               "getex", call.store().now());
    if (!at) return;
    expireAt = *at;
  }
  if (!checkKeySize(call, call.arg(1))) return;
  // The read and the new expiry in one batch: nothing comes between them.
  WriteBatch& batch = call.batchFor(2 * WriteBatch::opBytes(call.arg(1).size(), 0));
  const size_t first = batch.size();
  batch.op(Kind::kGet, std::string(call.arg(1))).returnOld = true;
  batch.op(Kind::kExpire, std::string(call.arg(1))).expireAt = expireAt;
  call.submit(first, replyValue);
}

void mget(RespCall& call) {
  const std::span<const std::string_view> keys = call.args().subspan(1);
  if (call.inTransaction()) return call.readInBatch(keys, replyValues);
  RespReply& reply = call.reply();
  reply.arrayHeader(keys.size());
  // In chunks: each chunk is one consistent read (an MSET is seen whole or
  // not at all within it), and no chunk holds the lock for long.
  size_t next = 0;
  while (next < keys.size()) {
    const size_t end = std::min(keys.size(), next + kMgetChunkKeys);
    size_t bytes = 0;
    size_t stop = end;
    call.store().readEach(keys.subspan(next, end - next), [&](size_t i, const std::string* value) {
      if (next + i >= stop) return;
      if (bytes >= kMgetChunkBytes) {
        stop = next + i;  // the next chunk reads it again
        return;
      }
      if (value != nullptr) {
        reply.bulk(*value);
        bytes += value->size();
      } else {
        reply.nil();
      }
    });
    next = stop;
    if (!call.withinOutputLimit()) return;
  }
}

// MSET and MSETNX: pairs after the name; false (replied) if malformed.
bool checkPairs(RespCall& call, std::string_view name, size_t* bytes) {
  if (call.argc() % 2 == 0) {
    arityError(call.reply(), name);
    return false;
  }
  for (size_t i = 1; i < call.argc(); i += 2) {
    if (!checkKeySize(call, call.arg(i))) return false;
    *bytes += WriteBatch::opBytes(call.arg(i).size(), call.arg(i + 1).size());
  }
  return true;
}

void mset(RespCall& call) {
  size_t bytes = 0;
  if (!checkPairs(call, "mset", &bytes)) return;
  WriteBatch& batch = call.batchFor(bytes);
  const size_t first = batch.size();
  for (size_t i = 1; i + 1 < call.argc(); i += 2) {
    batch.put(std::string(call.arg(i)), std::string(call.arg(i + 1)));
  }
  call.submit(first, replyOk);
}

void msetnx(RespCall& call) {
  size_t bytes = 0;
  if (!checkPairs(call, "msetnx", &bytes)) return;
  if (call.inTransaction()) {
    // Its guards would abort the whole transaction, not just itself.
    call.reply().error("ERR MSETNX is not supported inside MULTI by this server");
    return;
  }
  WriteBatch batch;
  for (size_t i = 1; i < call.argc(); i += 2) {
    WriteOp& guard = batch.op(Kind::kCheck, std::string(call.arg(i)));
    guard.condition = WriteOp::Condition::kAbsent;
  }
  for (size_t i = 1; i + 1 < call.argc(); i += 2) {
    batch.put(std::string(call.arg(i)), std::string(call.arg(i + 1)));
  }
  call.submitAlone(std::move(batch), replyAllOrNothing);
}

// --- Counters ---

void incrementBy(RespCall& call, int64_t delta) {
  if (!checkKeySize(call, call.arg(1))) return;
  size_t first = 0;
  oneOp(call, Kind::kIncrement, call.arg(1), "", &first).delta = delta;
  call.submit(first, replyNumber);
}

void incr(RespCall& call) { incrementBy(call, 1); }
void decr(RespCall& call) { incrementBy(call, -1); }

void incrby(RespCall& call) {
  if (std::optional<int64_t> delta = intArgument(call, 2)) incrementBy(call, *delta);
}

void decrby(RespCall& call) {
  std::optional<int64_t> delta = intArgument(call, 2);
  if (!delta) return;
  if (*delta == INT64_MIN) {
    call.reply().error("ERR decrement would overflow");
    return;
  }
  incrementBy(call, -*delta);
}

// Redis's string2ld: all of the argument parses as a long double that is
// not NaN and did not overflow or underflow while parsing ("inf" itself is
// a float: the sum is what is refused, as "would produce NaN or Infinity").
std::optional<long double> parseLongDouble(std::string_view arg) {
  constexpr size_t kMaxChars = 5 * 1024;  // Redis's MAX_LONG_DOUBLE_CHARS
  if (arg.empty() || arg.size() >= kMaxChars || std::isspace(static_cast<unsigned char>(arg[0]))) {
    return std::nullopt;
  }
  const std::string text(arg);
  char* end = nullptr;
  errno = 0;
  const long double value = std::strtold(text.c_str(), &end);
  if (end != text.c_str() + text.size() || std::isnan(value) || errno == EINVAL ||
      (errno == ERANGE && (std::isinf(value) || value == 0))) {
    return std::nullopt;
  }
  return value;
}

void incrbyfloat(RespCall& call) {
  const std::optional<long double> delta = parseLongDouble(call.arg(2));
  if (!delta) {
    call.reply().error(kNotAFloat);
    return;
  }
  if (!checkKeySize(call, call.arg(1))) return;
  size_t first = 0;
  oneOp(call, Kind::kIncrementFloat, call.arg(1), "", &first).deltaFloat = *delta;
  call.submit(first, replyFloat);
}

// --- Lengths and ranges ---

void append(RespCall& call) {
  if (!checkKeySize(call, call.arg(1))) return;
  size_t first = 0;
  oneOp(call, Kind::kAppend, call.arg(1), call.arg(2), &first,
        call.valueSizeNow(call.arg(1)) + call.arg(2).size());
  call.submit(first, replyLength);
}

void replyStrlen(RespReply& reply, std::span<WriteOp> ops) {
  reply.integer(ops[0].existed ? static_cast<int64_t>(ops[0].current.size()) : 0);
}

void strlen(RespCall& call) {
  if (call.inTransaction()) return call.readInBatch(call.args().subspan(1, 1), replyStrlen);
  int64_t length = 0;
  call.store().read(call.arg(1), [&length](std::string_view value) {
    length = static_cast<int64_t>(value.size());
  });
  call.reply().integer(length);
}

// Inside EXEC the offsets ride in the kGet op's unused delta and offset.
void replyRange(RespReply& reply, std::span<WriteOp> ops) {
  const WriteOp& op = ops[0];
  reply.bulk(op.existed ? substring(op.current, op.delta, static_cast<int64_t>(op.offset))
                        : std::string_view());
}

void getrange(RespCall& call) {
  std::optional<int64_t> start = parseInt64(call.arg(2));
  std::optional<int64_t> end = parseInt64(call.arg(3));
  if (!start || !end) {
    call.reply().error(kNotAnInteger);
    return;
  }
  if (call.inTransaction()) {
    WriteBatch& batch = call.batchFor(WriteBatch::opBytes(call.arg(1).size(), 0));
    const size_t first = batch.size();
    WriteOp& op = batch.op(Kind::kGet, std::string(call.arg(1)));
    op.returnOld = true;
    op.delta = *start;
    op.offset = static_cast<uint64_t>(*end);
    call.submit(first, replyRange);
    return;
  }
  RespReply& reply = call.reply();
  if (!call.store().read(call.arg(1), [&](std::string_view value) {
        reply.bulk(substring(value, *start, *end));
      })) {
    reply.bulk("");
  }
}

void setrange(RespCall& call) {
  std::optional<int64_t> offset = intArgument(call, 2);
  if (!offset) return;
  if (*offset < 0) {
    call.reply().error("ERR offset is out of range");
    return;
  }
  // Nothing to write checks no size (Redis answers the length).
  if (!call.arg(3).empty() && static_cast<uint64_t>(*offset) + call.arg(3).size() > kMaxValueSize) {
    call.reply().error(kTooLarge);
    return;
  }
  if (!checkKeySize(call, call.arg(1))) return;
  size_t first = 0;
  const size_t end = call.arg(3).empty() ? 0 : static_cast<size_t>(*offset) + call.arg(3).size();
  oneOp(call, Kind::kSetRange, call.arg(1), call.arg(3), &first,
        std::max(call.valueSizeNow(call.arg(1)), end))
      .offset = static_cast<uint64_t>(*offset);
  call.submit(first, replyLength);
}

}  // namespace

std::vector<RespCommand> respStringCommands() {
  constexpr uint32_t kRead = Flag::kReadonly | Flag::kFast;
  constexpr uint32_t kWrite = Flag::kWrite | Flag::kDenyOom;
  constexpr uint32_t kWriteFast = kWrite | Flag::kFast;
  return {
      {"get", 2, kRead, get, 1, 1, 1, "string", "Get the value of a key"},
      {"set", -3, kWrite, set, 1, 1, 1, "string", "Set the string value of a key"},
      {"setnx", 3, kWriteFast, setnx, 1, 1, 1, "string",
       "Set the value of a key, only if the key does not exist"},
      {"setex", 4, kWrite, setex, 1, 1, 1, "string", "Set the value and expiration of a key"},
      {"psetex", 4, kWrite, psetex, 1, 1, 1, "string",
       "Set the value and expiration in milliseconds of a key"},
      {"getset", 3, kWriteFast, getset, 1, 1, 1, "string",
       "Set the string value of a key and return its old value"},
      {"getdel", 2, Flag::kWrite | Flag::kFast, getdel, 1, 1, 1, "string",
       "Get the value of a key and delete the key"},
      {"getex", -2, Flag::kWrite | Flag::kFast, getex, 1, 1, 1, "string",
       "Get the value of a key and optionally set its expiration"},
      {"mget", -2, kRead, mget, 1, -1, 1, "string", "Get the values of all the given keys"},
      {"mset", -3, kWrite, mset, 1, -1, 2, "string", "Set multiple keys to multiple values"},
      {"msetnx", -3, kWrite, msetnx, 1, -1, 2, "string",
       "Set multiple keys to multiple values, only if none of the keys exist"},
      {"incr", 2, kWriteFast, incr, 1, 1, 1, "string",
       "Increment the integer value of a key by one"},
      {"decr", 2, kWriteFast, decr, 1, 1, 1, "string",
       "Decrement the integer value of a key by one"},
      {"incrby", 3, kWriteFast, incrby, 1, 1, 1, "string",
       "Increment the integer value of a key by the given amount"},
      {"decrby", 3, kWriteFast, decrby, 1, 1, 1, "string",
       "Decrement the integer value of a key by the given number"},
      {"incrbyfloat", 3, kWriteFast, incrbyfloat, 1, 1, 1, "string",
       "Increment the float value of a key by the given amount"},
      {"append", 3, kWriteFast, append, 1, 1, 1, "string", "Append a value to a key"},
      {"strlen", 2, kRead, strlen, 1, 1, 1, "string",
       "Get the length of the value stored in a key"},
      {"getrange", 4, Flag::kReadonly, getrange, 1, 1, 1, "string",
       "Get a substring of the string stored at a key"},
      {"setrange", 4, kWrite, setrange, 1, 1, 1, "string",
       "Overwrite part of a string at key starting at the specified offset"},
  };
}

}  // namespace muduo::kv
