// RpcStats: what an RpcServer has done, per method: calls, errors and a
// latency histogram, plus open connections and start time. Read by the
// server's /status and /metrics pages.
//
// Method names come from clients. Only methods the generated descriptor pool
// knows get a row of their own; every other name a client sends is counted
// in the one kUnknownMethod row, so the table is bounded by the services
// linked into the binary and never holds a client's string. A hand-written
// Service with no .proto behind it is therefore counted as unknown too.
//
// Thread safety: every method may be called from any thread. record() runs
// once per call on every serving thread, so it touches only that thread's
// own shard of counters (its own spin lock, which no other thread takes but
// snapshot()); snapshot() merges the shards. The table of names has a mutex
// of its own, taken only when a name is seen for the first time.
#ifndef RPC_RPCSTATS_H_
#define RPC_RPCSTATS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "muduo/base/Histogram.h"
#include "muduo/base/Mutex.h"

namespace muduo::rpc {

class RpcStats {
 public:
  struct MethodStats {
    int64_t calls = 0;   // finished, any status
    int64_t errors = 0;  // finished with a non-OK status
    Histogram latencyNs;
  };
  // A method's slot; stable for the life of the RpcStats.
  struct Entry;
  // The row of every method the descriptor pool does not know.
  static constexpr std::string_view kUnknownMethod = "(unknown)";

  RpcStats();
  ~RpcStats();
  RpcStats(const RpcStats&) = delete;
  RpcStats& operator=(const RpcStats&) = delete;

  // The row "package.Service.Method", created on first use, when the
  // generated pool has that service and method; the kUnknownMethod row
  // otherwise. Callers pass only services they serve.
  Entry* entryFor(std::string_view service, std::string_view method);
  // In the calling thread's shard: no lock or cache line shared with the
  // other serving threads.
  void record(Entry* entry, bool ok, std::chrono::nanoseconds latency);

  void connectionOpened() { connections_.fetch_add(1, std::memory_order_relaxed); }
  void connectionClosed() { connections_.fetch_sub(1, std::memory_order_relaxed); }
  [[nodiscard]] int64_t connections() const { return connections_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::chrono::seconds uptime() const;

  // Sorted by method name.
  [[nodiscard]] std::vector<std::pair<std::string, MethodStats>> snapshot() const;

 private:
  // A shard's lock. Its own thread takes it on every record() and
  // snapshot() now and then, so it is almost never contended: one atomic
  // exchange, where a pthread mutex costs two atomics and a few dozen
  // instructions more per call. A record() that meets a snapshot() waits
  // out one row's merge (a few microseconds), yielding.
  class ABSL_LOCKABLE SpinLock {
   public:
    void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
      while (locked_.exchange(true, std::memory_order_acquire)) {
        while (locked_.load(std::memory_order_relaxed)) std::this_thread::yield();
      }
    }
    void unlock() ABSL_UNLOCK_FUNCTION() { locked_.store(false, std::memory_order_release); }

   private:
    std::atomic<bool> locked_{false};
  };
  class ABSL_SCOPED_LOCKABLE SpinLockHolder {
   public:
    explicit SpinLockHolder(SpinLock* lock) ABSL_EXCLUSIVE_LOCK_FUNCTION(lock) : lock_(lock) {
      lock_->lock();
    }
    ~SpinLockHolder() ABSL_UNLOCK_FUNCTION() { lock_->unlock(); }
    SpinLockHolder(const SpinLockHolder&) = delete;
    SpinLockHolder& operator=(const SpinLockHolder&) = delete;

   private:
    SpinLock* const lock_;
  };
  // One thread's counters, a row per Entry (by its index), merged by
  // snapshot(). Written only by its thread.
  struct Shard {
    SpinLock lock;
    std::vector<MethodStats> rows ABSL_GUARDED_BY(lock);
  };
  Shard* shardOfThisThread();

  // Tells RpcStats apart in the threads' caches of their shards, where an
  // address could be reused by a later RpcStats.
  const uint64_t id_;
  const std::chrono::steady_clock::time_point started_;
  std::atomic<int64_t> connections_{0};
  mutable Mutex mutex_;
  absl::flat_hash_map<std::string, std::unique_ptr<Entry>> entries_ ABSL_GUARDED_BY(mutex_);
  // "service.method" of recent calls to its row, unknown names included, so
  // only a name never seen before pays for the descriptor pool's lookup.
  // Bounded (kMaxResolved names of at most kMaxResolvedKey bytes): a client
  // inventing names costs itself a lookup per call, never the server memory.
  static constexpr size_t kMaxResolved = 4096;
  static constexpr size_t kMaxResolvedKey = 256;
  absl::flat_hash_map<std::string, Entry*> resolved_ ABSL_GUARDED_BY(mutex_);
  size_t nextIndex_ ABSL_GUARDED_BY(mutex_) = 0;
  // One per thread that ever recorded: the I/O threads and the workers,
  // a bounded set. Kept after their threads end, with their counts.
  std::vector<std::unique_ptr<Shard>> shards_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<std::thread::id, Shard*> shardOf_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace muduo::rpc

#endif  // RPC_RPCSTATS_H_
