// RespTransaction: one connection's MULTI ... EXEC. While queueing it holds
// copies of the queued commands and whether one was refused (EXEC then
// answers EXECABORT). When EXEC runs them, each command's reply or ops go
// into its entry, all ops into one WriteBatch that the store applies as one
// atomic log record, after the WATCH guards at its front; reply() then
// builds EXEC's array from the entries and the ops' outcomes.
//
// Thread contract: owned by one RespSession; its loop thread only.
#ifndef SERVICES_KV_RESPTRANSACTION_H_
#define SERVICES_KV_RESPTRANSACTION_H_

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "services/kv/RespCommand.h"
#include "services/kv/WriteBatch.h"

namespace muduo::kv {

class RespReply;

class RespTransaction {
 public:
  // What one transaction may queue (arguments' bytes); past it the
  // transaction is refused, as it could not be one log record anyway.
  static constexpr size_t kMaxQueuedBytes = 32 << 20;

  // One queued command as EXEC ran it.
  struct Entry {
    std::string reply;  // an immediate reply, or empty when `replier` is set
    RespWriteReplier replier = nullptr;
    size_t firstOp = 0;
    size_t numOps = 0;
  };

  RespTransaction() = default;
  RespTransaction(const RespTransaction&) = delete;
  RespTransaction& operator=(const RespTransaction&) = delete;

  // False (nothing queued) past kMaxQueuedBytes.
  bool queue(std::span<const std::string_view> args);
  void markFailed() { failed_ = true; }
  [[nodiscard]] bool failed() const { return failed_; }
  [[nodiscard]] size_t size() const { return commands_.size(); }
  // The arguments of queued command `i`, as views into this transaction.
  [[nodiscard]] std::vector<std::string_view> command(size_t i) const;

  // EXEC: the batch (guards first) and one entry per command, in order.
  [[nodiscard]] WriteBatch& batch() { return batch_; }
  Entry& addEntry();
  // The immediate replies so far (constant time: EXEC checks it after each
  // command).
  [[nodiscard]] size_t replyBytes() const;
  // EXEC's reply: nil if a guard failed (every op then comes back aborted),
  // else an array of each command's reply.
  void reply(RespReply& reply, std::span<WriteOp> ops, const absl::Status& status) const;

 private:
  std::vector<std::vector<std::string>> commands_;
  size_t queuedBytes_ = 0;
  bool failed_ = false;
  WriteBatch batch_;
  std::vector<Entry> entries_;
  size_t finishedReplyBytes_ = 0;  // the replies of every entry but the last
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_RESPTRANSACTION_H_
