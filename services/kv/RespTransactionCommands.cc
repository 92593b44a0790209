// The transaction commands: MULTI, EXEC, DISCARD, WATCH, UNWATCH. The
// session keeps the state (RespSession, RespTransaction); these check the
// order of calls and answer in Redis's words.
#include <vector>

#include "services/kv/RespCall.h"
#include "services/kv/RespCommandTable.h"
#include "services/kv/RespReply.h"
#include "services/kv/RespSession.h"

namespace muduo::kv {
namespace {

using Flag = RespCommand::Flag;

void multi(RespCall& call) {
  if (call.session().inTransaction()) {
    call.reply().error("ERR MULTI calls can not be nested");
    return;
  }
  call.session().beginTransaction();
  call.reply().simple("OK");
}

void exec(RespCall& call) { call.session().exec(call); }

void discard(RespCall& call) {
  if (!call.session().inTransaction()) {
    call.reply().error("ERR DISCARD without MULTI");
    return;
  }
  call.session().discardTransaction();
  call.reply().simple("OK");
}

void watch(RespCall& call) {
  if (call.session().inTransaction()) {
    call.reply().error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  if (!call.session().watch(call.args().subspan(1))) {
    call.reply().error("ERR WATCH: the watched values are too large");
    return;
  }
  call.reply().simple("OK");
}

void unwatch(RespCall& call) {
  call.session().unwatch();
  call.reply().simple("OK");
}

}  // namespace

std::vector<RespCommand> respTransactionCommands() {
  constexpr uint32_t kBase = Flag::kNoScript | Flag::kLoading | Flag::kStale;
  constexpr uint32_t kControl = kBase | Flag::kTransactionControl;
  return {
      {"multi", 1, kControl | Flag::kFast | Flag::kAllowBusy, multi, 0, 0, 0, "transactions",
       "Mark the start of a transaction block"},
      {"exec", 1, kControl | Flag::kSeesOwnWrites, exec, 0, 0, 0, "transactions",
       "Execute all commands issued after MULTI"},
      {"discard", 1, kControl | Flag::kFast | Flag::kAllowBusy, discard, 0, 0, 0, "transactions",
       "Discard all commands issued after MULTI"},
      {"watch", -2, kControl | Flag::kFast | Flag::kAllowBusy | Flag::kSeesOwnWrites, watch, 1, -1,
       1, "transactions", "Watch the given keys to determine execution of the MULTI/EXEC block"},
      {"unwatch", 1, kBase | Flag::kFast | Flag::kAllowBusy, unwatch, 0, 0, 0, "transactions",
       "Forget about all watched keys"},
  };
}

}  // namespace muduo::kv
