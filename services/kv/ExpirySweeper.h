// ExpirySweeper: Redis's active expiry for the store. Lazy expiry alone
// (reads hiding expired keys) would keep every key nobody reads again, so a
// thread ("kv-expire") wakes every `interval`, asks for expired keys and
// deletes them through the store's write path like any write: durable, and
// conditional on the key still being expired when the writer gets to it, so
// a key set again meanwhile survives. Work per wake-up is bounded (a mass
// expiry spreads over several).
//
// Thread contract: the constructor starts the thread; expiredKeys() and
// stop() may be called from any thread but the sweeper's own (stop() must
// not run inside the write callback). `collect` and `write` run in the
// sweeper's thread; `write`'s callback may run in any thread.
#ifndef SERVICES_KV_EXPIRYSWEEPER_H_
#define SERVICES_KV_EXPIRYSWEEPER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "muduo/base/Mutex.h"
#include "services/kv/GroupCommitQueue.h"
#include "services/kv/WriteBatch.h"

namespace muduo {
class Thread;
}  // namespace muduo

namespace muduo::kv {

class ExpirySweeper {
 public:
  // Appends up to `limit` keys expired now, earliest first.
  using Collect = absl::AnyInvocable<void(size_t limit, std::vector<std::string>* keys)>;
  // Store::write.
  using Write = absl::AnyInvocable<void(WriteBatch batch, GroupCommitQueue::Callback done)>;

  // Deletes at most this many keys per batch, and a few batches per wake-up.
  static constexpr size_t kBatchKeys = 256;
  static constexpr int kBatchesPerWakeup = 16;

  ExpirySweeper(std::chrono::milliseconds interval, Collect collect, Write write);
  ~ExpirySweeper();  // stop()
  ExpirySweeper(const ExpirySweeper&) = delete;
  ExpirySweeper& operator=(const ExpirySweeper&) = delete;

  // Keys the sweep deleted.
  [[nodiscard]] uint64_t expiredKeys() const { return expired_.load(std::memory_order_relaxed); }
  // Finishes the batch in flight and joins the thread. Idempotent.
  void stop();

 private:
  void loop();
  // Deletes one batch of expired keys and waits for it; false when there is
  // nothing more to do this wake-up.
  bool sweepBatch(std::vector<std::string>* keys);

  const std::chrono::milliseconds interval_;
  Collect collect_;  // sweeper thread only
  Write write_;      // sweeper thread only

  Mutex mutex_;
  Condition wake_;
  std::atomic<bool> stopping_{false};  // set under mutex_, so a waiting sweeper cannot miss it
  std::atomic<uint64_t> expired_{0};
  std::unique_ptr<Thread> thread_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_EXPIRYSWEEPER_H_
