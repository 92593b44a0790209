#include "services/kv/RespCall.h"

#include "services/kv/RespSession.h"
#include "services/kv/RespTransaction.h"
#include "services/kv/Store.h"
#include "services/kv/WriteCombiner.h"

namespace muduo::kv {

RespReply& RespCall::reply() {
  if (!reply_) {
    if (transaction_ != nullptr) {
      reply_.emplace(&transaction_->addEntry().reply);
    } else {
      reply_.emplace(session_->replyTo(out_));
    }
  }
  return *reply_;
}

WriteBatch& RespCall::batchFor(size_t bytes) {
  if (transaction_ != nullptr) return transaction_->batch();
  return session_->combiner_->batchFor(bytes);
}

void RespCall::submit(size_t firstOp, RespWriteReplier replier) {
  std::vector<WriteOp>& ops =
      (transaction_ != nullptr ? transaction_->batch() : session_->combiner_->gathering()).ops();
  for (size_t i = firstOp; i < ops.size(); ++i) {
    if (ops[i].returnOld || ops[i].returnOldIfFailed) {
      ops[i].resultBudget = &session_->resultBudget_;
    }
  }
  if (transaction_ != nullptr) {
    RespTransaction::Entry& entry = transaction_->addEntry();
    entry.replier = replier;
    entry.firstOp = firstOp;
    entry.numOps = transaction_->batch().size() - firstOp;
    return;
  }
  session_->queueWrite(replier, firstOp);
}

void RespCall::submitAlone(WriteBatch batch, RespWriteReplier replier) {
  session_->queueAlone(std::move(batch), replier);
}

void RespCall::readInBatch(std::span<const std::string_view> keys, RespWriteReplier replier,
                           Read read) {
  size_t bytes = 0;
  for (std::string_view key : keys) bytes += WriteBatch::opBytes(key.size(), 0);
  WriteBatch& batch = batchFor(bytes);
  const size_t first = batch.size();
  for (std::string_view key : keys) {
    batch.op(WriteOp::Kind::kGet, std::string(key)).returnOld = read == Read::kValues;
  }
  submit(first, replier);
}

bool RespCall::withinOutputLimit(size_t building) {
  size_t pending = session_->pendingOutputBytes(out_) + building;
  if (transaction_ != nullptr) pending += transaction_->replyBytes();
  if (pending <= session_->outputLimit()) return true;
  session_->closeForOutputLimit(pending);
  return false;
}

size_t RespCall::valueSizeNow(std::string_view key) const {
  size_t size = 0;
  (void)store().read(key, [&size](std::string_view value) { size = value.size(); });
  return size;
}

Store& RespCall::store() const { return *session_->store_; }

RespServerState& RespCall::server() const { return *session_->server_; }

}  // namespace muduo::kv
