// WriteCombinerPool: one WriteCombiner per I/O loop, made on first use, for
// a front end whose connections spread over several loops.
//
// Thread contract: any thread. The store must outlive the pool; detach()
// (or the destructor) must run before the loops it served are destroyed
// while writes may still be in flight.
#ifndef SERVICES_KV_WRITECOMBINERPOOL_H_
#define SERVICES_KV_WRITECOMBINERPOOL_H_

#include <memory>

#include "absl/container/flat_hash_map.h"
#include "muduo/base/Mutex.h"

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::kv {

class Store;
class WriteCombiner;

class WriteCombinerPool {
 public:
  explicit WriteCombinerPool(Store* store) : store_(store) {}
  ~WriteCombinerPool() { detach(); }
  WriteCombinerPool(const WriteCombinerPool&) = delete;
  WriteCombinerPool& operator=(const WriteCombinerPool&) = delete;

  // In `loop`'s thread (a combiner is made in the loop it serves).
  [[nodiscard]] std::shared_ptr<WriteCombiner> forLoop(net::EventLoop* loop);
  // Acknowledgements arriving from now on are dropped (WriteCombiner::detach).
  void detach();

 private:
  Store* const store_;
  Mutex mutex_;
  absl::flat_hash_map<net::EventLoop*, std::shared_ptr<WriteCombiner>> combiners_
      ABSL_GUARDED_BY(mutex_);
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_WRITECOMBINERPOOL_H_
