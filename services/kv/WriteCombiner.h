// WriteCombiner: gathers the writes that the connections of one I/O loop
// issue during one loop iteration, and hands them to the Store as a single
// batch when the iteration's events are handled. Fifty connections'
// pipelined SETs then cost one log record and one queue hand-off (and, under
// --sync=everysec and no, one write(2)) instead of one each. Their acknowledgements
// come back to the loop together, in order.
//
// It is protocol-neutral: a caller adds ops to batchFor()'s batch, then
// names who to tell with add() (a WriteTarget and a tag, or a callback).
// RESP sessions and the MRPC service both use it.
//
// Combined writes become atomic together, which no client can tell from
// them being applied back to back. A batch that must stand alone (a
// transaction with guards, which may abort) goes through submitAlone().
//
// Thread contract: one per I/O loop; every method runs in that loop's
// thread, except detach(), which any thread may call. Owned by shared_ptr:
// the queued flush and the writes in flight hold it.
#ifndef SERVICES_KV_WRITECOMBINER_H_
#define SERVICES_KV_WRITECOMBINER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "muduo/base/Mutex.h"
#include "services/kv/WriteBatch.h"
#include "services/kv/WriteTarget.h"

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::kv {

class Store;

class WriteCombiner : public std::enable_shared_from_this<WriteCombiner> {
 public:
  // A batch over this many bytes goes to the store at once.
  static constexpr size_t kFlushBytes = 8 << 20;
  // A finished batch's vectors are kept for the next one up to this many ops.
  static constexpr size_t kMaxSpareOps = 4096;
  // For callers that have no long-lived target (one MRPC call).
  using Callback = absl::AnyInvocable<void(const absl::Status& status, std::span<WriteOp> ops)>;

  // In `loop`'s thread.
  WriteCombiner(net::EventLoop* loop, Store* store);
  WriteCombiner(const WriteCombiner&) = delete;
  WriteCombiner& operator=(const WriteCombiner&) = delete;

  // For one command: the batch to add its ops to, which will hold `bytes`
  // more (WriteBatch::opBytes of each op); a batch that would outgrow
  // kFlushBytes goes to the store first. Then call add() with the index of
  // the command's first op: the ops from there to the batch's end are its.
  [[nodiscard]] WriteBatch& batchFor(size_t bytes);
  void add(std::shared_ptr<WriteTarget> target, uint64_t tag, size_t firstOp);
  // The batch being gathered, as batchFor() returned it (never flushes).
  [[nodiscard]] WriteBatch& gathering() { return batch_; }
  void add(Callback done, size_t firstOp);

  // Sends `batch` to the store as a batch of its own (after the combined
  // writes added so far) and tells `target` in this loop.
  void submitAlone(WriteBatch batch, std::shared_ptr<WriteTarget> target, uint64_t tag);

  // The loop is going away (its server is destroyed): acknowledgements that
  // arrive from now on are dropped instead of being posted to it.
  void detach();

 private:
  struct Entry {
    std::shared_ptr<WriteTarget> target;  // or `callback`
    Callback callback;
    uint64_t tag;
    uint32_t firstOp;
    uint32_t numOps;
  };

  void queueFlush();
  // `mayCompleteInline`: no target is running, so an acknowledgement that
  // comes back at once may be delivered at once.
  void flush(bool mayCompleteInline);
  void send(WriteBatch batch, std::vector<Entry> entries, bool mayCompleteInline);
  // From the store's thread: runs `f` in the loop, unless detached.
  void post(absl::AnyInvocable<void()> f);
  static void complete(const absl::Status& status, WriteBatch& batch, std::vector<Entry>& entries);
  // In the loop, after complete(): keeps the vectors for the next flush().
  void recycle(WriteBatch& batch, std::vector<Entry>& entries);

  net::EventLoop* const loop_;
  // The loop's thread: the store's thread may compare against it without
  // touching a loop that may be gone.
  const int loopThreadId_;
  Store* const store_;
  WriteBatch batch_;
  std::vector<Entry> entries_;
  size_t bytes_ = 0;
  bool flushQueued_ = false;
  // Emptied vectors of a finished batch, reused by the next flush().
  std::vector<WriteOp> spareOps_;
  std::vector<Entry> spareEntries_;
  Mutex gateMutex_;
  bool detached_ ABSL_GUARDED_BY(gateMutex_) = false;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_WRITECOMBINER_H_
