// BlockingQueue: an unbounded multi-producer, multi-consumer FIFO queue.
//
// take() blocks until an item arrives or the queue is closed. close() is the
// shutdown signal: it refuses further puts and wakes every waiting taker, and
// takers keep receiving the items already queued before they see nullopt, so
// nothing accepted by put() is lost.
//
// Thread safety: every method may be called from any thread.
#ifndef MUDUO_BASE_BLOCKINGQUEUE_H_
#define MUDUO_BASE_BLOCKINGQUEUE_H_

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

#include "muduo/base/Mutex.h"

namespace muduo {

template <typename T>
class BlockingQueue {
 public:
  BlockingQueue() = default;
  BlockingQueue(const BlockingQueue&) = delete;
  BlockingQueue& operator=(const BlockingQueue&) = delete;

  // Returns false, leaving `item` untouched, once the queue is closed.
  [[nodiscard]] bool put(const T& item) { return emplace(item); }
  [[nodiscard]] bool put(T&& item) { return emplace(std::move(item)); }

  // Blocks until an item is available; nullopt once the queue is closed and empty.
  [[nodiscard]] std::optional<T> take() {
    MutexLock lock(&mutex_);
    while (queue_.empty() && !closed_) notEmpty_.wait(&mutex_);
    return popFrontLocked();
  }

  // Like take(), but gives up with nullopt after `timeout`.
  template <typename Rep, typename Period>
  [[nodiscard]] std::optional<T> takeFor(std::chrono::duration<Rep, Period> timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    MutexLock lock(&mutex_);
    while (queue_.empty() && !closed_) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= left.zero()) break;
      notEmpty_.waitFor(&mutex_, left);
    }
    return popFrontLocked();
  }

  // Idempotent.
  void close() {
    MutexLock lock(&mutex_);
    closed_ = true;
    notEmpty_.notifyAll();
  }

  [[nodiscard]] size_t size() const {
    MutexLock lock(&mutex_);
    return queue_.size();
  }

  [[nodiscard]] bool closed() const {
    MutexLock lock(&mutex_);
    return closed_;
  }

 private:
  template <typename U>
  bool emplace(U&& item) {
    MutexLock lock(&mutex_);
    if (closed_) return false;
    queue_.push_back(std::forward<U>(item));
    // Notified under the lock: a taker that gets this item may destroy the
    // queue at once, and must not find us still touching notEmpty_.
    notEmpty_.notify();
    return true;
  }

  std::optional<T> popFrontLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (queue_.empty()) return std::nullopt;
    std::optional<T> item(std::move(queue_.front()));
    queue_.pop_front();
    return item;
  }

  mutable Mutex mutex_;
  Condition notEmpty_;
  std::deque<T> queue_ ABSL_GUARDED_BY(mutex_);
  bool closed_ ABSL_GUARDED_BY(mutex_) = false;
};

}  // namespace muduo

#endif  // MUDUO_BASE_BLOCKINGQUEUE_H_
