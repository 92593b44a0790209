// RespCommand: one row of the RESP command table, shaped like a row of
// Redis's own: its name, its arity (as Redis counts it: the command name is
// an argument; positive is exact, negative is a minimum), its flags, its
// key positions (for COMMAND INFO) and the handler that runs it.
//
// A handler replies through its RespCall: at once, or by adding ops to the
// call's batch and naming a RespWriteReplier that builds the reply from the
// ops' outcomes once the store has applied them. The replier lives next to
// the handler, so a command's reply shapes are all in one place.
//
// Thread safety: plain constant data.
#ifndef SERVICES_KV_RESPCOMMAND_H_
#define SERVICES_KV_RESPCOMMAND_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "services/kv/WriteBatch.h"

namespace muduo::kv {

class RespCall;
class RespReply;

// Builds a write's reply from its ops, after the store applied them (status
// OK; the caller answers failures).
using RespWriteReplier = void (*)(RespReply& reply, std::span<WriteOp> ops);

struct RespCommand {
  enum Flag : uint32_t {
    kWrite = 1 << 0,
    kReadonly = 1 << 1,
    kLoading = 1 << 2,  // allowed while loading (we never answer LOADING)
    kNoMulti = 1 << 3,  // refused inside MULTI
    kFast = 1 << 4,
    kAdmin = 1 << 5,
    kStale = 1 << 6,
    kNoScript = 1 << 7,
    kDenyOom = 1 << 8,
    kAllowBusy = 1 << 9,
    // Ours, not Redis's: runs immediately even inside MULTI (MULTI, EXEC,
    // DISCARD, WATCH, QUIT, RESET)...
    kTransactionControl = 1 << 16,
    // ... and waits until this connection's earlier writes are applied, so
    // a pipelined "SET k v; GET k" reads its own write.
    kSeesOwnWrites = 1 << 17,
  };

  std::string_view name;  // lower case, as COMMAND lists it
  int arity;
  uint32_t flags;
  void (*handler)(RespCall& call);
  // COMMAND INFO's first key, last key (negative: from the end) and step.
  int firstKey = 0;
  int lastKey = 0;
  int keyStep = 0;
  std::string_view group = "generic";  // COMMAND DOCS
  std::string_view summary = "";

  [[nodiscard]] bool arityAccepts(size_t argc) const {
    return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
  }
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_RESPCOMMAND_H_
