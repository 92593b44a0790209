// WriteTarget: who is told when the ops it handed to a WriteCombiner are
// durable and applied. The combiner knows nothing else about its targets, so
// any protocol (RESP, MRPC) can batch its writes through it.
//
// Thread contract: both methods run in the combiner's loop thread.
#ifndef SERVICES_KV_WRITETARGET_H_
#define SERVICES_KV_WRITETARGET_H_

#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "services/kv/WriteBatch.h"

namespace muduo::kv {

class WriteTarget {
 public:
  virtual ~WriteTarget() = default;

  // The ops of one WriteCombiner::add() (their outcomes filled in), with
  // the `tag` given there. `status` is the whole store batch's.
  virtual void writeDone(uint64_t tag, std::span<WriteOp> ops, const absl::Status& status) = 0;
  // Once after every writeDone() of one store batch: a target that got
  // several completions can send their replies together.
  virtual void writesDone() {}
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_WRITETARGET_H_
