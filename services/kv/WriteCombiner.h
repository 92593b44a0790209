// WriteCombiner: gathers the writes that the RESP connections of one I/O
// loop issue during one loop iteration, and hands them to the Store as a
// single batch when the iteration's events are handled. Fifty connections'
// pipelined SETs then cost one log record and one queue hand-off (and, under
// --sync=none, one write(2)) instead of one each. Their acknowledgements
// come back to the loop together, in order.
//
// Combined writes become atomic together, which no client can tell from
// them being applied back to back.
//
// Thread contract: one per I/O loop; every method runs in that loop's
// thread, except detach(), which any thread may call. Owned by shared_ptr:
// the queued flush and the writes in flight hold it.
#ifndef SERVICES_KV_WRITECOMBINER_H_
#define SERVICES_KV_WRITECOMBINER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "muduo/base/Mutex.h"
#include "services/kv/WriteBatch.h"

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::kv {

class RespSession;
class Store;

// Which reply a combined write gets.
enum class RespWrite : uint8_t {
  kSet,             // +OK
  kSetConditional,  // +OK, or nil when the NX / XX condition failed
  kDel,             // :number of keys that existed
  kMSet,            // +OK
  kIncr,            // :new value, or an error
};

class WriteCombiner : public std::enable_shared_from_this<WriteCombiner> {
 public:
  // A batch over this many bytes goes to the store at once.
  static constexpr size_t kFlushBytes = 8 << 20;

  // In `loop`'s thread.
  WriteCombiner(net::EventLoop* loop, Store* store);
  WriteCombiner(const WriteCombiner&) = delete;
  WriteCombiner& operator=(const WriteCombiner&) = delete;

  // For one command: the batch to add its ops to, which will hold `bytes`
  // more (WriteBatch::opBytes of each op); a batch that would outgrow
  // kFlushBytes goes to the store first. Then call add() with the index of
  // the command's first op and the session's reply slot for it.
  [[nodiscard]] WriteBatch& batchFor(size_t bytes);
  void add(std::shared_ptr<RespSession> session, uint64_t slot, RespWrite kind, size_t firstOp);

  // The loop is going away (its server is destroyed): acknowledgements that
  // arrive from now on are dropped instead of being posted to it.
  void detach();

 private:
  struct Target {
    std::shared_ptr<RespSession> session;
    uint64_t slot;
    RespWrite kind;
    uint32_t firstOp;
    uint32_t numOps;
  };

  // `mayCompleteInline`: no session is running, so an acknowledgement that
  // comes back at once may be delivered at once.
  void flush(bool mayCompleteInline);
  // From the store's thread: runs `f` in the loop, unless detached.
  void post(absl::AnyInvocable<void()> f);
  static void complete(const absl::Status& status, WriteBatch& batch, std::vector<Target>& targets);

  net::EventLoop* const loop_;
  // The loop's thread: the store's thread may compare against it without
  // touching a loop that may be gone.
  const int loopThreadId_;
  Store* const store_;
  WriteBatch batch_;
  std::vector<Target> targets_;
  size_t bytes_ = 0;
  bool flushQueued_ = false;
  Mutex gateMutex_;
  bool detached_ ABSL_GUARDED_BY(gateMutex_) = false;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_WRITECOMBINER_H_
