// RespCall: one command being run: its arguments and where its reply and
// its writes go. Outside a transaction the reply goes to the connection (or
// to a slot behind its pending writes) and the writes to the loop's
// WriteCombiner; inside EXEC both go into the RespTransaction, whose batch
// the store applies as one record. Handlers do not need to know which.
//
// A handler calls reply() for an immediate reply, or adds ops to
// batchFor()'s batch and calls submit() once; never both.
//
// Thread contract: made by a RespSession for one handler call, in its loop
// thread; lives on the stack.
#ifndef SERVICES_KV_RESPCALL_H_
#define SERVICES_KV_RESPCALL_H_

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "muduo/net/Buffer.h"
#include "services/kv/RespCommand.h"
#include "services/kv/RespReply.h"

namespace muduo::kv {

class RespServerState;
class RespSession;
class RespTransaction;
class Store;
class WriteBatch;

class RespCall {
 public:
  // Outside a transaction: the reply goes to `out` or a queued slot.
  RespCall(RespSession* session, std::span<const std::string_view> args, net::Buffer* out)
      : session_(session), args_(args), out_(out) {}
  // Inside EXEC, as the transaction's next command.
  RespCall(RespSession* session, std::span<const std::string_view> args, net::Buffer* out,
           RespTransaction* transaction)
      : session_(session), args_(args), out_(out), transaction_(transaction) {}
  RespCall(const RespCall&) = delete;
  RespCall& operator=(const RespCall&) = delete;

  [[nodiscard]] std::span<const std::string_view> args() const { return args_; }
  [[nodiscard]] size_t argc() const { return args_.size(); }
  [[nodiscard]] std::string_view arg(size_t i) const { return args_[i]; }

  // The immediate reply; the same one on every call.
  RespReply& reply();
  // For writes: the batch to add ops to (which will grow by `bytes`), then
  // submit() with the index of the first op added.
  [[nodiscard]] WriteBatch& batchFor(size_t bytes);
  // The ops that copy a value into their results (returnOld) copy it
  // within this connection's output limit (WriteOp::resultBudget).
  void submit(size_t firstOp, RespWriteReplier replier);
  // A batch of its own, for ops with guards (kCheck) that may abort it and
  // must not abort anybody else's; not for use inside EXEC.
  void submitAlone(WriteBatch batch, RespWriteReplier replier);
  // Inside EXEC: reads `keys` as kGet ops in the transaction's batch, so
  // they see its earlier writes; `replier` answers from them. Their values
  // are copied only if the reply needs them (`values`): EXISTS, TYPE and
  // TTL read only whether a key is there and its expiry.
  enum class Read { kValues, kExistenceAndExpiry };
  void readInBatch(std::span<const std::string_view> keys, RespWriteReplier replier,
                   Read read = Read::kValues);
  // For replies built in pieces (MGET, KEYS, SCAN): false once this
  // connection's unsent replies (plus `building`, a reply being gathered
  // aside) passed the output limit; the connection is then being closed and
  // the handler must stop at once, without replying.
  [[nodiscard]] bool withinOutputLimit(size_t building = 0);

  // The size of `key`'s value now (0 if absent). A write that logs a whole
  // value it derives (APPEND, SETRANGE, RENAME) passes it to batchFor(), so
  // the combiner gives big ones batches of their own that fit in one log
  // record (the store refuses a batch that would not).
  [[nodiscard]] size_t valueSizeNow(std::string_view key) const;

  [[nodiscard]] bool inTransaction() const { return transaction_ != nullptr; }
  [[nodiscard]] Store& store() const;
  [[nodiscard]] RespSession& session() const { return *session_; }
  [[nodiscard]] RespServerState& server() const;
  // The EXEC call's output (EXEC builds its own reply).
  [[nodiscard]] net::Buffer* out() const { return out_; }

 private:
  RespSession* const session_;
  const std::span<const std::string_view> args_;
  net::Buffer* const out_;
  RespTransaction* const transaction_ = nullptr;
  std::optional<RespReply> reply_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_RESPCALL_H_
