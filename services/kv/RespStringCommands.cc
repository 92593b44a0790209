// The string commands: GET, SET and friends, counters, ranges. Each
// handler sits next to the replier that answers its write.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/kv/Limits.h"
#include "services/kv/RespCall.h"
#include "services/kv/RespCommandTable.h"
#include "services/kv/RespErrors.h"
#include "services/kv/RespReply.h"
#include "services/kv/Store.h"

namespace muduo::kv {
namespace {

using Flag = RespCommand::Flag;

// MGET reads this many keys, or about this many bytes of values, under one
// read lock before it lets writers in and checks the output limit.
constexpr size_t kMgetChunkKeys = 256;
constexpr size_t kMgetChunkBytes = 1 << 20;

void replyOk(RespReply& reply, std::span<WriteOp>) { reply.simple("OK"); }

void replyOkOrNil(RespReply& reply, std::span<WriteOp> ops) {
  if (ops[0].outcome == WriteOp::Outcome::kApplied) {
    reply.simple("OK");
  } else {
    reply.nil();
  }
}

void replyAppliedAsInteger(RespReply& reply, std::span<WriteOp> ops) {
  reply.integer(ops[0].outcome == WriteOp::Outcome::kApplied ? 1 : 0);
}

void replyNumber(RespReply& reply, std::span<WriteOp> ops) {
  switch (ops[0].outcome) {
    case WriteOp::Outcome::kApplied:
      reply.integer(ops[0].number);
      break;
    case WriteOp::Outcome::kOverflow:
      reply.error(kOverflow);
      break;
    default:
      reply.error(kNotAnInteger);
      break;
  }
}

void get(RespCall& call) {
  RespReply& reply = call.reply();
  if (!call.store().read(call.arg(1), [&reply](std::string_view value) { reply.bulk(value); })) {
    reply.nil();
  }
}

void set(RespCall& call) {
  WriteOp::Condition condition = WriteOp::Condition::kNone;
  for (size_t i = 3; i < call.argc(); ++i) {
    const std::string_view option = call.arg(i);
    if (equalsIgnoreCase(option, "nx") && condition != WriteOp::Condition::kPresent) {
      condition = WriteOp::Condition::kAbsent;
    } else if (equalsIgnoreCase(option, "xx") && condition != WriteOp::Condition::kAbsent) {
      condition = WriteOp::Condition::kPresent;
    } else if (equalsIgnoreCase(option, "keepttl")) {
      // Nothing expires here, so there is no TTL to keep.
    } else if (equalsIgnoreCase(option, "ex") || equalsIgnoreCase(option, "px") ||
               equalsIgnoreCase(option, "exat") || equalsIgnoreCase(option, "pxat") ||
               equalsIgnoreCase(option, "get")) {
      call.reply().error(absl::StrCat("ERR SET option ", std::string(option), " is not supported"));
      return;
    } else {
      call.reply().error(kSyntaxError);
      return;
    }
  }
  if (!checkKeySize(call, call.arg(1))) return;
  WriteBatch& batch = call.batchFor(WriteBatch::opBytes(call.arg(1).size(), call.arg(2).size()));
  const size_t first = batch.size();
  batch.put(std::string(call.arg(1)), std::string(call.arg(2))).condition = condition;
  call.submit(first, condition == WriteOp::Condition::kNone ? replyOk : replyOkOrNil);
}

void setnx(RespCall& call) {
  if (!checkKeySize(call, call.arg(1))) return;
  WriteBatch& batch = call.batchFor(WriteBatch::opBytes(call.arg(1).size(), call.arg(2).size()));
  const size_t first = batch.size();
  batch.put(std::string(call.arg(1)), std::string(call.arg(2))).condition =
      WriteOp::Condition::kAbsent;
  call.submit(first, replyAppliedAsInteger);
}

void mget(RespCall& call) {
  const std::span<const std::string_view> keys = call.args().subspan(1);
  RespReply& reply = call.reply();
  reply.arrayHeader(keys.size());
  // In chunks: each chunk is one consistent read (an MSET is seen whole or
  // not at all within it), and no chunk holds the lock for long.
  size_t next = 0;
  while (next < keys.size()) {
    const size_t end = std::min(keys.size(), next + kMgetChunkKeys);
    size_t bytes = 0;
    size_t stop = end;
    call.store().readEach(keys.subspan(next, end - next),
                          [&](size_t i, const std::string* value) {
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

void mset(RespCall& call) {
  if (call.argc() % 2 == 0) {
    arityError(call.reply(), "mset");
    return;
  }
  size_t bytes = 0;
  for (size_t i = 1; i < call.argc(); i += 2) {
    if (!checkKeySize(call, call.arg(i))) return;
    bytes += WriteBatch::opBytes(call.arg(i).size(), call.arg(i + 1).size());
  }
  WriteBatch& batch = call.batchFor(bytes);
  const size_t first = batch.size();
  for (size_t i = 1; i + 1 < call.argc(); i += 2) {
    batch.put(std::string(call.arg(i)), std::string(call.arg(i + 1)));
  }
  call.submit(first, replyOk);
}

void incrementBy(RespCall& call, int64_t delta) {
  if (!checkKeySize(call, call.arg(1))) return;
  WriteBatch& batch = call.batchFor(WriteBatch::opBytes(call.arg(1).size(), 0));
  const size_t first = batch.size();
  batch.increment(std::string(call.arg(1)), delta);
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

void strlen(RespCall& call) {
  int64_t length = 0;
  call.store().read(call.arg(1), [&length](std::string_view value) {
    length = static_cast<int64_t>(value.size());
  });
  call.reply().integer(length);
}

void getrange(RespCall& call) {
  std::optional<int64_t> start = parseInt64(call.arg(2));
  std::optional<int64_t> end = parseInt64(call.arg(3));
  if (!start || !end) {
    call.reply().error(kNotAnInteger);
    return;
  }
  RespReply& reply = call.reply();
  bool found = call.store().read(call.arg(1), [&](std::string_view value) {
    const int64_t length = static_cast<int64_t>(value.size());
    int64_t from = *start;
    int64_t to = *end;
    // Redis's rules: negative offsets count from the end, then clamp.
    if (from < 0 && to < 0 && from > to) {
      reply.bulk("");
      return;
    }
    if (from < 0) from = length + from;
    if (to < 0) to = length + to;
    from = std::max<int64_t>(from, 0);
    to = std::max<int64_t>(to, 0);
    to = std::min(to, length - 1);
    if (length == 0 || from > to) {
      reply.bulk("");
      return;
    }
    reply.bulk(value.substr(static_cast<size_t>(from), static_cast<size_t>(to - from + 1)));
  });
  if (!found) reply.bulk("");
}

}  // namespace

std::vector<RespCommand> respStringCommands() {
  constexpr uint32_t kRead = Flag::kReadonly | Flag::kFast;
  constexpr uint32_t kWrite = Flag::kWrite | Flag::kDenyOom;
  return {
      {"get", 2, kRead, get, 1, 1, 1, "string", "Get the value of a key"},
      {"set", -3, kWrite, set, 1, 1, 1, "string", "Set the string value of a key"},
      {"setnx", 3, kWrite | Flag::kFast, setnx, 1, 1, 1, "string",
       "Set the value of a key, only if the key does not exist"},
      {"mget", -2, kRead, mget, 1, -1, 1, "string", "Get the values of all the given keys"},
      {"mset", -3, kWrite, mset, 1, -1, 2, "string", "Set multiple keys to multiple values"},
      {"incr", 2, kWrite | Flag::kFast, incr, 1, 1, 1, "string",
       "Increment the integer value of a key by one"},
      {"decr", 2, kWrite | Flag::kFast, decr, 1, 1, 1, "string",
       "Decrement the integer value of a key by one"},
      {"incrby", 3, kWrite | Flag::kFast, incrby, 1, 1, 1, "string",
       "Increment the integer value of a key by the given amount"},
      {"decrby", 3, kWrite | Flag::kFast, decrby, 1, 1, 1, "string",
       "Decrement the integer value of a key by the given number"},
      {"strlen", 2, kRead, strlen, 1, 1, 1, "string", "Get the length of the value stored in a key"},
      {"getrange", 4, Flag::kReadonly, getrange, 1, 1, 1, "string",
       "Get a substring of the string stored at a key"},
  };
}

}  // namespace muduo::kv
