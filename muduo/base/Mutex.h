// Mutex, MutexLock and Condition: thin annotated wrappers over std::mutex and
// std::condition_variable.
//
// Why not absl::Mutex: Debian's abseil is not built with sanitizers, and TSan
// cannot see absl::Mutex's own futex code, so it reports false races. Why not
// bare std::mutex: the ABSL_* capability annotations let clang's -Wthread-safety
// check every ABSL_GUARDED_BY field at compile time.
//
// Thread safety: all three classes may be used from any thread.
#ifndef MUDUO_BASE_MUTEX_H_
#define MUDUO_BASE_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace muduo {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mutex_.lock(); }
  void unlock() ABSL_UNLOCK_FUNCTION() { mutex_.unlock(); }
  [[nodiscard]] bool tryLock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) { return mutex_.try_lock(); }

  // Tells the analysis the caller holds this mutex; no run-time check.
  void assertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {}

 private:
  friend class Condition;
  std::mutex mutex_;
};

// Scoped lock. Usage: `MutexLock lock(&mutex_);`
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mutex) ABSL_EXCLUSIVE_LOCK_FUNCTION(mutex) : mutex_(mutex) {
    mutex_->lock();
  }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mutex_->unlock(); }

  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mutex_;
};

// A condition variable used with a Mutex, in the style of absl::CondVar: the
// mutex is passed to wait() so clang's analysis can check that it is held.
// Callers re-check their predicate in a loop, as with any condition variable.
class Condition {
 public:
  Condition() = default;
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  void wait(Mutex* mutex) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    std::unique_lock<std::mutex> lock(mutex->mutex_, std::adopt_lock);
    cond_.wait(lock);
    lock.release();  // The caller's MutexLock still owns the mutex.
  }

  // Returns false on timeout.
  template <typename Rep, typename Period>
  bool waitFor(Mutex* mutex, std::chrono::duration<Rep, Period> timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    std::unique_lock<std::mutex> lock(mutex->mutex_, std::adopt_lock);
    const bool signalled = cond_.wait_for(lock, timeout) == std::cv_status::no_timeout;
    lock.release();
    return signalled;
  }

  void notify() { cond_.notify_one(); }
  void notifyAll() { cond_.notify_all(); }

 private:
  std::condition_variable cond_;
};

}  // namespace muduo

#endif  // MUDUO_BASE_MUTEX_H_
