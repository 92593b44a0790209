#include "services/kv/WriteBatch.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/kv/Limits.h"

namespace muduo::kv {

WriteOp& WriteBatch::put(std::string key, std::string value) {
  WriteOp& op = ops_.emplace_back();
  op.kind = WriteOp::Kind::kPut;
  op.key = std::move(key);
  op.value = std::move(value);
  return op;
}

WriteOp& WriteBatch::remove(std::string key) {
  WriteOp& op = ops_.emplace_back();
  op.kind = WriteOp::Kind::kDelete;
  op.key = std::move(key);
  return op;
}

WriteOp& WriteBatch::compareAndSet(std::string key, std::optional<std::string> expected,
                                   std::optional<std::string> desired) {
  WriteOp& op = ops_.emplace_back();
  op.kind = desired.has_value() ? WriteOp::Kind::kPut : WriteOp::Kind::kDelete;
  op.key = std::move(key);
  op.returnOldIfFailed = true;  // a failed swap reports the value found
  if (desired.has_value()) op.value = std::move(*desired);
  if (expected.has_value()) {
    op.condition = WriteOp::Condition::kEquals;
    op.expected = std::move(*expected);
  } else {
    op.condition = WriteOp::Condition::kAbsent;
  }
  return op;
}

WriteOp& WriteBatch::increment(std::string key, int64_t delta) {
  WriteOp& op = ops_.emplace_back();
  op.kind = WriteOp::Kind::kIncrement;
  op.key = std::move(key);
  op.delta = delta;
  return op;
}

WriteOp& WriteBatch::op(WriteOp::Kind kind, std::string key) {
  WriteOp& op = ops_.emplace_back();
  op.kind = kind;
  op.key = std::move(key);
  return op;
}

WriteOp& WriteBatch::add(WriteOp op) { return ops_.emplace_back(std::move(op)); }

absl::Status WriteBatch::validate() const {
  size_t total = 0;
  for (size_t i = 0; i < ops_.size(); ++i) {
    const WriteOp& op = ops_[i];
    if (op.key.size() > kMaxKeySize || op.target.size() > kMaxKeySize) {
      return absl::InvalidArgumentError(absl::StrCat("key of ",
                                                     std::max(op.key.size(), op.target.size()),
                                                     " bytes is over the limit of ", kMaxKeySize));
    }
    const size_t valueSize = std::max(op.value.size(), op.expected.size());
    if (valueSize > kMaxValueSize) {
      return absl::InvalidArgumentError(
          absl::StrCat("value of ", valueSize, " bytes is over the limit of ", kMaxValueSize));
    }
    total += opBytes(op.key.size() + op.target.size(), op.value.size());
  }
  if (total > kMaxBatchBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch of ", total, " bytes is over the limit of ", kMaxBatchBytes));
  }
  return absl::OkStatus();
}

}  // namespace muduo::kv
