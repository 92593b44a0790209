#include "muduo/base/CountDownLatch.h"

namespace muduo {

void CountDownLatch::countDown() {
  MutexLock lock(&mutex_);
  if (count_ > 0 && --count_ == 0) condition_.notifyAll();
}

void CountDownLatch::wait() {
  MutexLock lock(&mutex_);
  while (count_ > 0) condition_.wait(&mutex_);
}

bool CountDownLatch::waitFor(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(&mutex_);
  while (count_ > 0) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= left.zero()) return false;
    condition_.waitFor(&mutex_, left);
  }
  return true;
}

int CountDownLatch::count() const {
  MutexLock lock(&mutex_);
  return count_;
}

}  // namespace muduo
