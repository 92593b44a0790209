// CountDownLatch: lets threads wait until a count reaches zero.
//
// Thread safety: every method may be called from any thread.
#ifndef MUDUO_BASE_COUNTDOWNLATCH_H_
#define MUDUO_BASE_COUNTDOWNLATCH_H_

#include <chrono>

#include "muduo/base/Mutex.h"

namespace muduo {

class CountDownLatch {
 public:
  explicit CountDownLatch(int count) : count_(count) {}
  CountDownLatch(const CountDownLatch&) = delete;
  CountDownLatch& operator=(const CountDownLatch&) = delete;

  void countDown();
  void wait();
  // Returns false if the count is still above zero after `timeout`.
  [[nodiscard]] bool waitFor(std::chrono::milliseconds timeout);
  [[nodiscard]] int count() const;

 private:
  mutable Mutex mutex_;
  Condition condition_;
  int count_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace muduo

#endif  // MUDUO_BASE_COUNTDOWNLATCH_H_
