// BoundedBlockingQueue: a multi-producer, multi-consumer FIFO queue holding at
// most capacity() items, so fast producers are slowed to the consumers' pace
// instead of growing memory without limit.
//
// put() blocks while the queue is full, take() while it is empty. close() is
// the shutdown signal: it refuses further puts, wakes every blocked producer
// (whose put() then fails) and every blocked consumer, and consumers keep
// receiving the items queued before close() until the queue is empty.
//
// Thread safety: every method may be called from any thread.
#ifndef MUDUO_BASE_BOUNDEDBLOCKINGQUEUE_H_
#define MUDUO_BASE_BOUNDEDBLOCKINGQUEUE_H_

#include <cassert>
#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

#include "muduo/base/Mutex.h"

namespace muduo {

template <typename T>
class BoundedBlockingQueue {
 public:
  explicit BoundedBlockingQueue(size_t capacity) : capacity_(capacity) { assert(capacity > 0); }
  BoundedBlockingQueue(const BoundedBlockingQueue&) = delete;
  BoundedBlockingQueue& operator=(const BoundedBlockingQueue&) = delete;

  // Blocks while full. Returns false if the queue is closed before or while
  // waiting; `item` is then left untouched.
  [[nodiscard]] bool put(const T& item) { return emplace(item, /*block=*/true); }
  [[nodiscard]] bool put(T&& item) { return emplace(std::move(item), /*block=*/true); }

  // Never blocks. Returns false, leaving `item` untouched, if full or closed.
  [[nodiscard]] bool tryPut(const T& item) { return emplace(item, /*block=*/false); }
  [[nodiscard]] bool tryPut(T&& item) { return emplace(std::move(item), /*block=*/false); }

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
    notFull_.notifyAll();
  }

  [[nodiscard]] size_t size() const {
    MutexLock lock(&mutex_);
    return queue_.size();
  }

  [[nodiscard]] bool closed() const {
    MutexLock lock(&mutex_);
    return closed_;
  }

  [[nodiscard]] size_t capacity() const { return capacity_; }

 private:
  template <typename U>
  bool emplace(U&& item, bool block) {
    MutexLock lock(&mutex_);
    if (block) {
      while (queue_.size() >= capacity_ && !closed_) notFull_.wait(&mutex_);
    }
    if (closed_ || queue_.size() >= capacity_) return false;
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
    notFull_.notify();
    return item;
  }

  const size_t capacity_;
  mutable Mutex mutex_;
  Condition notEmpty_;
  Condition notFull_;
  // std::deque rather than a hand-made ring over std::vector: it needs no
  // default-constructible T and no slot bookkeeping, and it allocates only one
  // block per few hundred bytes of items, which the locking already dwarfs.
  std::deque<T> queue_ ABSL_GUARDED_BY(mutex_);
  bool closed_ ABSL_GUARDED_BY(mutex_) = false;
};

}  // namespace muduo

#endif  // MUDUO_BASE_BOUNDEDBLOCKINGQUEUE_H_
