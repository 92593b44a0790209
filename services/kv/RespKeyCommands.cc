// The generic key commands: DEL, EXISTS, TYPE, KEYS, SCAN, DBSIZE,
// RANDOMKEY, the expiry commands, RENAME, FLUSHDB. The walks (KEYS, SCAN) go in chunks of keys,
// each under one read lock, and check the output limit between chunks.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/kv/GlobMatch.h"
#include "services/kv/RespCall.h"
#include "services/kv/RespCommandTable.h"
#include "services/kv/RespErrors.h"
#include "services/kv/RespExpiry.h"
#include "services/kv/RespKeyspace.h"
#include "services/kv/RespReply.h"
#include "services/kv/RespServerState.h"
#include "services/kv/ScanCursors.h"
#include "services/kv/Store.h"

namespace muduo::kv {
namespace {

using Flag = RespCommand::Flag;

constexpr size_t kWalkChunkKeys = 1024;

void replyExistedCount(RespReply& reply, std::span<WriteOp> ops) {
  int64_t existed = 0;
  for (const WriteOp& op : ops) existed += op.existed ? 1 : 0;
  reply.integer(existed);
}

void del(RespCall& call) {
  size_t bytes = 0;
  for (size_t i = 1; i < call.argc(); ++i) {
    if (!checkKeySize(call, call.arg(i))) return;
    bytes += WriteBatch::opBytes(call.arg(i).size(), 0);
  }
  WriteBatch& batch = call.batchFor(bytes);
  const size_t first = batch.size();
  for (size_t i = 1; i < call.argc(); ++i) batch.remove(std::string(call.arg(i)));
  call.submit(first, replyExistedCount);
}

void replyExistsCount(RespReply& reply, std::span<WriteOp> ops) {
  int64_t count = 0;
  for (const WriteOp& op : ops) count += op.existed ? 1 : 0;
  reply.integer(count);
}

void exists(RespCall& call) {
  if (call.inTransaction())
    return call.readInBatch(call.args().subspan(1), replyExistsCount,
                            RespCall::Read::kExistenceAndExpiry);
  int64_t count = 0;
  call.store().readEach(call.args().subspan(1), [&count](size_t, const std::string* value) {
    count += value != nullptr ? 1 : 0;
  });
  call.reply().integer(count);
}

void replyType(RespReply& reply, std::span<WriteOp> ops) {
  reply.simple(ops[0].existed ? "string" : "none");
}

void type(RespCall& call) {
  if (call.inTransaction())
    return call.readInBatch(call.args().subspan(1, 1), replyType,
                            RespCall::Read::kExistenceAndExpiry);
  call.reply().simple(call.store().contains(call.arg(1)) ? "string" : "none");
}

// Redis rounds TTL's seconds to the nearest.
int64_t ttlSeconds(int64_t ms) { return ms < 0 ? ms : (ms + 500) / 1000; }

// Inside EXEC, from a kGet: `number` is the expiry time (0: none).
int64_t ttlFromOp(const WriteOp& op) {
  if (!op.existed) return -2;
  if (op.number == 0) return -1;
  return std::max<int64_t>(0, op.number - std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
}

void replyPttl(RespReply& reply, std::span<WriteOp> ops) { reply.integer(ttlFromOp(ops[0])); }
void replyTtl(RespReply& reply, std::span<WriteOp> ops) {
  reply.integer(ttlSeconds(ttlFromOp(ops[0])));
}
void replyPexpiretime(RespReply& reply, std::span<WriteOp> ops) {
  reply.integer(!ops[0].existed ? -2 : ops[0].number == 0 ? -1 : ops[0].number);
}
void replyExpiretime(RespReply& reply, std::span<WriteOp> ops) {
  reply.integer(!ops[0].existed ? -2 : ops[0].number == 0 ? -1 : ops[0].number / 1000);
}

void ttl(RespCall& call) {
  if (call.inTransaction())
    return call.readInBatch(call.args().subspan(1, 1), replyTtl,
                            RespCall::Read::kExistenceAndExpiry);
  call.reply().integer(ttlSeconds(call.store().ttlMillis(call.arg(1))));
}

void pttl(RespCall& call) {
  if (call.inTransaction())
    return call.readInBatch(call.args().subspan(1, 1), replyPttl,
                            RespCall::Read::kExistenceAndExpiry);
  call.reply().integer(call.store().ttlMillis(call.arg(1)));
}

void expiretimeWith(RespCall& call, bool millis) {
  if (call.inTransaction()) {
    return call.readInBatch(call.args().subspan(1, 1), millis ? replyPexpiretime : replyExpiretime,
                            RespCall::Read::kExistenceAndExpiry);
  }
  const std::optional<int64_t> at = call.store().expireAt(call.arg(1));
  call.reply().integer(!at ? -2 : *at == 0 ? -1 : millis ? *at : *at / 1000);
}

void expiretime(RespCall& call) { expiretimeWith(call, false); }
void pexpiretime(RespCall& call) { expiretimeWith(call, true); }

// kExpire's `number`: 1 if the expiry changed (an absent key: 0).
void replyExpireResult(RespReply& reply, std::span<WriteOp> ops) {
  reply.integer(ops[0].outcome == WriteOp::Outcome::kApplied ? ops[0].number : 0);
}

void expireWith(RespCall& call, ExpiryUnit unit, std::string_view name) {
  uint8_t when = 0;
  for (size_t i = 3; i < call.argc(); ++i) {
    const std::string_view option = call.arg(i);
    if (absl::EqualsIgnoreCase(absl::string_view(option.data(), option.size()), "NX")) {
      when |= WriteOp::kIfNoTtl;
    } else if (absl::EqualsIgnoreCase(absl::string_view(option.data(), option.size()), "XX")) {
      when |= WriteOp::kIfHasTtl;
    } else if (absl::EqualsIgnoreCase(absl::string_view(option.data(), option.size()), "GT")) {
      when |= WriteOp::kIfLater;
    } else if (absl::EqualsIgnoreCase(absl::string_view(option.data(), option.size()), "LT")) {
      when |= WriteOp::kIfEarlier;
    } else {
      call.reply().error(absl::StrCat("ERR Unsupported option ", std::string(option)));
      return;
    }
  }
  if ((when & WriteOp::kIfNoTtl) && (when & ~WriteOp::kIfNoTtl)) {
    call.reply().error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return;
  }
  if ((when & WriteOp::kIfLater) && (when & WriteOp::kIfEarlier)) {
    call.reply().error("ERR GT and LT options at the same time are not compatible");
    return;
  }
  std::optional<int64_t> at = anyExpiry(call, call.arg(2), unit, name, call.store().now());
  if (!at || !checkKeySize(call, call.arg(1))) return;
  WriteBatch& batch = call.batchFor(WriteBatch::opBytes(call.arg(1).size(), 0));
  const size_t first = batch.size();
  WriteOp& op = batch.op(WriteOp::Kind::kExpire, std::string(call.arg(1)));
  op.expireAt = *at;
  op.expireIf = when;
  call.submit(first, replyExpireResult);
}

void expire(RespCall& call) { expireWith(call, ExpiryUnit::kSeconds, "expire"); }
void pexpire(RespCall& call) { expireWith(call, ExpiryUnit::kMilliseconds, "pexpire"); }
void expireat(RespCall& call) { expireWith(call, ExpiryUnit::kUnixSeconds, "expireat"); }
void pexpireat(RespCall& call) { expireWith(call, ExpiryUnit::kUnixMilliseconds, "pexpireat"); }

void persist(RespCall& call) {
  if (!checkKeySize(call, call.arg(1))) return;
  WriteBatch& batch = call.batchFor(WriteBatch::opBytes(call.arg(1).size(), 0));
  const size_t first = batch.size();
  batch.op(WriteOp::Kind::kExpire, std::string(call.arg(1))).expireAt = 0;
  call.submit(first, replyExpireResult);
}

void replyRename(RespReply& reply, std::span<WriteOp> ops) {
  if (ops[0].outcome == WriteOp::Outcome::kNoSuchKey) {
    reply.error("ERR no such key");
  } else {
    reply.simple("OK");
  }
}

void replyRenamenx(RespReply& reply, std::span<WriteOp> ops) {
  if (ops[0].outcome == WriteOp::Outcome::kNoSuchKey) {
    reply.error("ERR no such key");
  } else {
    reply.integer(ops[0].outcome == WriteOp::Outcome::kApplied ? 1 : 0);
  }
}

void renameWith(RespCall& call, bool onlyIfAbsent) {
  if (!checkKeySize(call, call.arg(1)) || !checkKeySize(call, call.arg(2))) return;
  WriteBatch& batch = call.batchFor(
      WriteBatch::opBytes(call.arg(1).size() + call.arg(2).size(), call.valueSizeNow(call.arg(1))));
  const size_t first = batch.size();
  WriteOp& op = batch.op(WriteOp::Kind::kRename, std::string(call.arg(1)));
  op.target = std::string(call.arg(2));
  if (onlyIfAbsent) op.condition = WriteOp::Condition::kAbsent;
  call.submit(first, onlyIfAbsent ? replyRenamenx : replyRename);
}

void rename(RespCall& call) { renameWith(call, false); }
void renamenx(RespCall& call) { renameWith(call, true); }

void replyOk(RespReply& reply, std::span<WriteOp>) { reply.simple("OK"); }

void flush(RespCall& call) {
  // ASYNC or SYNC: either way the clear is one small log record.
  if (call.argc() > 2 || (call.argc() == 2 && !equalsIgnoreCase(call.arg(1), "async") &&
                          !equalsIgnoreCase(call.arg(1), "sync"))) {
    call.reply().error(kSyntaxError);
    return;
  }
  WriteBatch& batch = call.batchFor(WriteBatch::opBytes(0, 0));
  const size_t first = batch.size();
  batch.op(WriteOp::Kind::kClear, std::string());
  call.submit(first, replyOk);
}

// KEYS, SCAN, DBSIZE and RANDOMKEY walk the table; they cannot be ops of
// EXEC's batch, so inside EXEC they would read the store as it was before
// the transaction's own writes (and not atomically with them). Refused
// there, like MSETNX, rather than answered wrongly.
bool refusedInTransaction(RespCall& call, std::string_view name) {
  if (!call.inTransaction()) return false;
  call.reply().error(
      absl::StrCat("ERR ", std::string(name), " is not supported inside MULTI by this server"));
  return true;
}

void dbsize(RespCall& call) {
  if (refusedInTransaction(call, "DBSIZE")) return;
  call.reply().integer(static_cast<int64_t>(keyCount(call.store())));
}

void keys(RespCall& call) {
  if (refusedInTransaction(call, "KEYS")) return;
  const std::string_view pattern = call.arg(1);
  const std::string_view prefix = globLiteralPrefix(pattern);
  const bool all = pattern == "*";
  // The count comes first in the reply, so the elements gather here.
  std::string body;
  RespReply elements(&body);
  size_t count = 0;
  std::optional<std::string> start = std::string(prefix);
  bool pastPrefix = false;
  for (size_t chunk = 0; start && !pastPrefix; ++chunk) {
    start = visitKeys(call.store(), *start, kWalkChunkKeys, [&](std::string_view key) {
      if (pastPrefix || !key.starts_with(prefix)) {
        pastPrefix = true;
        return;
      }
      if (all || globMatch(pattern, key)) {
        elements.bulk(key);
        ++count;
      }
    });
    if (!call.withinOutputLimit(body.size())) return;
  }
  RespReply& reply = call.reply();
  reply.arrayHeader(count);
  reply.raw(body);
}

void scan(RespCall& call) {
  if (refusedInTransaction(call, "SCAN")) return;
  uint64_t cursor = 0;
  const std::string_view cursorText = call.arg(1);
  if (auto [end, ec] =
          std::from_chars(cursorText.data(), cursorText.data() + cursorText.size(), cursor);
      ec != std::errc() || end != cursorText.data() + cursorText.size() || cursorText.empty()) {
    call.reply().error("ERR invalid cursor");
    return;
  }
  int64_t count = 10;
  std::optional<std::string_view> pattern;
  std::optional<std::string_view> typeName;
  for (size_t i = 2; i < call.argc(); i += 2) {
    const std::string_view option = call.arg(i);
    if (i + 1 >= call.argc()) {
      call.reply().error(kSyntaxError);
      return;
    }
    if (equalsIgnoreCase(option, "count")) {
      std::optional<int64_t> n = intArgument(call, i + 1);
      if (!n) return;
      if (*n < 1) {
        call.reply().error(kSyntaxError);
        return;
      }
      count = *n;
    } else if (equalsIgnoreCase(option, "match")) {
      pattern = call.arg(i + 1);
    } else if (equalsIgnoreCase(option, "type")) {
      typeName = call.arg(i + 1);
    } else {
      call.reply().error(kSyntaxError);
      return;
    }
  }
  // Every key here is a string: any other TYPE matches nothing.
  const bool typeMatches = !typeName || equalsIgnoreCase(*typeName, "string");
  const bool matchAll = !pattern || *pattern == "*";

  ScanCursors& cursors = call.server().scanCursors();
  std::optional<std::string> start = cursors.resumeAt(cursor);
  if (!start) {
    call.reply().error("ERR invalid cursor (it has expired: start the scan again from 0)");
    return;
  }
  std::string body;
  RespReply elements(&body);
  size_t found = 0;
  uint64_t nextCursor = 0;
  bool done = false;
  size_t visited = 0;
  uint64_t lastPrefix = 0;
  while (start && !done) {
    start = visitKeys(call.store(), *start, kWalkChunkKeys, [&](std::string_view key) {
      if (done) return;
      const uint64_t prefix = ScanCursors::prefixCursor(key);
      if (visited >= static_cast<uint64_t>(count)) {
        // A stateless cursor where the prefix changes; inside a run of keys
        // sharing it, a remembered one (see ScanCursors.h). A zero prefix
        // cannot be a cursor (0 means "finished").
        nextCursor = prefix != lastPrefix && prefix != 0 ? prefix : cursors.remember(key);
        done = true;
        return;
      }
      ++visited;
      lastPrefix = prefix;
      if (typeMatches && (matchAll || globMatch(*pattern, key))) {
        elements.bulk(key);
        ++found;
      }
    });
    if (!call.withinOutputLimit(body.size())) return;
  }
  RespReply& reply = call.reply();
  reply.arrayHeader(2);
  reply.bulk(std::to_string(nextCursor));
  reply.arrayHeader(found);
  reply.raw(body);
}

void randomkey(RespCall& call) {
  if (refusedInTransaction(call, "RANDOMKEY")) return;
  if (std::optional<std::string> key = call.store().randomKey()) {
    call.reply().bulk(*key);
  } else {
    call.reply().nil();
  }
}

}  // namespace

std::vector<RespCommand> respKeyCommands() {
  return {
      {"del", -2, Flag::kWrite, del, 1, -1, 1, "generic", "Delete a key"},
      {"unlink", -2, Flag::kWrite | Flag::kFast, del, 1, -1, 1, "generic",
       "Delete a key asynchronously in another thread. Otherwise it is just as DEL"},
      {"exists", -2, Flag::kReadonly | Flag::kFast, exists, 1, -1, 1, "generic",
       "Determine if a key exists"},
      {"type", 2, Flag::kReadonly | Flag::kFast, type, 1, 1, 1, "generic",
       "Determine the type stored at key"},
      {"ttl", 2, Flag::kReadonly | Flag::kFast, ttl, 1, 1, 1, "generic",
       "Get the time to live for a key in seconds"},
      {"pttl", 2, Flag::kReadonly | Flag::kFast, pttl, 1, 1, 1, "generic",
       "Get the time to live for a key in milliseconds"},
      {"expiretime", 2, Flag::kReadonly | Flag::kFast, expiretime, 1, 1, 1, "generic",
       "Get the expiration Unix timestamp for a key"},
      {"pexpiretime", 2, Flag::kReadonly | Flag::kFast, pexpiretime, 1, 1, 1, "generic",
       "Get the expiration Unix timestamp for a key in milliseconds"},
      {"expire", -3, Flag::kWrite | Flag::kFast, expire, 1, 1, 1, "generic",
       "Set a key's time to live in seconds"},
      {"pexpire", -3, Flag::kWrite | Flag::kFast, pexpire, 1, 1, 1, "generic",
       "Set a key's time to live in milliseconds"},
      {"expireat", -3, Flag::kWrite | Flag::kFast, expireat, 1, 1, 1, "generic",
       "Set the expiration for a key as a UNIX timestamp"},
      {"pexpireat", -3, Flag::kWrite | Flag::kFast, pexpireat, 1, 1, 1, "generic",
       "Set the expiration for a key as a UNIX timestamp specified in milliseconds"},
      {"persist", 2, Flag::kWrite | Flag::kFast, persist, 1, 1, 1, "generic",
       "Remove the expiration from a key"},
      {"rename", 3, Flag::kWrite, rename, 1, 2, 1, "generic", "Rename a key"},
      {"renamenx", 3, Flag::kWrite | Flag::kFast, renamenx, 1, 2, 1, "generic",
       "Rename a key, only if the new key does not exist"},
      {"flushdb", -1, Flag::kWrite, flush, 0, 0, 0, "server",
       "Remove all keys from the current database"},
      {"flushall", -1, Flag::kWrite, flush, 0, 0, 0, "server",
       "Remove all keys from all databases"},
      {"dbsize", 1, Flag::kReadonly | Flag::kFast, dbsize, 0, 0, 0, "server",
       "Return the number of keys in the selected database"},
      {"keys", 2, Flag::kReadonly, keys, 0, 0, 0, "generic",
       "Find all keys matching the given pattern"},
      {"scan", -2, Flag::kReadonly, scan, 0, 0, 0, "generic",
       "Incrementally iterate the keys space"},
      {"randomkey", 1, Flag::kReadonly, randomkey, 0, 0, 0, "generic",
       "Return a random key from the keyspace"},
  };
}

}  // namespace muduo::kv
