#include "services/kv/RespTransaction.h"

#include "absl/strings/str_cat.h"
#include "services/kv/RespReply.h"

namespace muduo::kv {

bool RespTransaction::queue(std::span<const std::string_view> args) {
  size_t bytes = 0;
  for (std::string_view arg : args) bytes += arg.size() + WriteBatch::kOpOverhead;
  if (queuedBytes_ + bytes > kMaxQueuedBytes) return false;
  queuedBytes_ += bytes;
  commands_.emplace_back(args.begin(), args.end());
  return true;
}

std::vector<std::string_view> RespTransaction::command(size_t i) const {
  return std::vector<std::string_view>(commands_[i].begin(), commands_[i].end());
}

RespTransaction::Entry& RespTransaction::addEntry() {
  if (!entries_.empty()) finishedReplyBytes_ += entries_.back().reply.size();
  return entries_.emplace_back();
}

size_t RespTransaction::replyBytes() const {
  return finishedReplyBytes_ + (entries_.empty() ? 0 : entries_.back().reply.size());
}

void RespTransaction::reply(RespReply& reply, std::span<WriteOp> ops,
                            const absl::Status& status) const {
  if (!status.ok()) {
    // The batch is one record: none of it was applied (or, for a failed
    // sync, nobody knows), so no command gets a reply of its own.
    reply.error(absl::StrCat("ERR ", status.message()));
    return;
  }
  // A failed guard aborts every op of the batch.
  if (!ops.empty() && ops[0].outcome == WriteOp::Outcome::kAborted) {
    reply.nilArray();
    return;
  }
  reply.arrayHeader(entries_.size());
  for (const Entry& entry : entries_) {
    if (entry.replier != nullptr) {
      entry.replier(reply, ops.subspan(entry.firstOp, entry.numOps));
    } else {
      reply.raw(entry.reply);
    }
  }
}

}  // namespace muduo::kv
