// The generic key commands: DEL, EXISTS, TYPE, KEYS, SCAN, DBSIZE,
// RANDOMKEY, TTL. The walks (KEYS, SCAN) go in chunks of keys, each under
// one read lock, and check the output limit between chunks.
#include <charconv>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/kv/GlobMatch.h"
#include "services/kv/RespCall.h"
#include "services/kv/RespCommandTable.h"
#include "services/kv/RespErrors.h"
#include "services/kv/RespKeyspace.h"
#include "services/kv/RespReply.h"
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

void exists(RespCall& call) {
  int64_t count = 0;
  call.store().readEach(call.args().subspan(1), [&count](size_t, const std::string* value) {
    count += value != nullptr ? 1 : 0;
  });
  call.reply().integer(count);
}

void type(RespCall& call) {
  call.reply().simple(call.store().contains(call.arg(1)) ? "string" : "none");
}

void ttl(RespCall& call) {
  // Nothing expires yet: -1 for a key, -2 for none.
  call.reply().integer(call.store().contains(call.arg(1)) ? -1 : -2);
}

void dbsize(RespCall& call) { call.reply().integer(static_cast<int64_t>(keyCount(call.store()))); }

void keys(RespCall& call) {
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

  std::string body;
  RespReply elements(&body);
  size_t found = 0;
  uint64_t nextCursor = 0;
  bool done = false;
  size_t visited = 0;
  uint64_t lastPrefix = 0;
  std::optional<std::string> start = scanStartOf(cursor);
  while (start && !done) {
    start = visitKeys(call.store(), *start, kWalkChunkKeys, [&](std::string_view key) {
      if (done) return;
      const uint64_t prefix = scanCursorOf(key);
      // Stop only where the 8-byte prefix changes (see RespKeyspace.h); a
      // zero prefix cannot be a cursor (0 means "finished"), so keys with
      // it are always taken.
      if (visited >= static_cast<uint64_t>(count) && prefix != lastPrefix && prefix != 0) {
        nextCursor = prefix;
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
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::optional<std::string> key;
  // A random point in the key space, then the first key at or after it
  // (or the first key of all): cheap, though not uniform.
  for (const std::string& start : {scanStartOf(random()), std::string()}) {
    visitKeys(call.store(), start, 1, [&key](std::string_view k) { key.emplace(k); });
    if (key) break;
  }
  if (key) {
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
      {"pttl", 2, Flag::kReadonly | Flag::kFast, ttl, 1, 1, 1, "generic",
       "Get the time to live for a key in milliseconds"},
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
