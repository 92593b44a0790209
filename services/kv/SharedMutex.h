// SharedMutex, ReaderMutexLock, WriterMutexLock: an annotated reader-writer
// lock, the shared-mode companion of muduo/base/Mutex.h.
//
// Built on pthread_rwlock_t (which TSan understands, unlike absl::Mutex)
// with writers preferred: glibc's default lets a steady stream of readers
// overlap forever and starve a writer, and here the one writer is the
// store's log writer, which everybody's acknowledgements wait on.
//
// Thread safety: any thread.
#ifndef SERVICES_KV_SHAREDMUTEX_H_
#define SERVICES_KV_SHAREDMUTEX_H_

#include <pthread.h>

#include "absl/base/thread_annotations.h"

namespace muduo::kv {

class ABSL_LOCKABLE SharedMutex {
 public:
  SharedMutex() {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&rwlock_, &attr);
    pthread_rwlockattr_destroy(&attr);
  }
  ~SharedMutex() { pthread_rwlock_destroy(&rwlock_); }
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { pthread_rwlock_wrlock(&rwlock_); }
  void unlock() ABSL_UNLOCK_FUNCTION() { pthread_rwlock_unlock(&rwlock_); }
  void lockShared() ABSL_SHARED_LOCK_FUNCTION() { pthread_rwlock_rdlock(&rwlock_); }
  void unlockShared() ABSL_UNLOCK_FUNCTION() { pthread_rwlock_unlock(&rwlock_); }

  // Tells the analysis the caller holds the lock in shared mode at least.
  void assertReaderHeld() const ABSL_ASSERT_SHARED_LOCK() {}

 private:
  pthread_rwlock_t rwlock_;
};

class ABSL_SCOPED_LOCKABLE ReaderMutexLock {
 public:
  explicit ReaderMutexLock(SharedMutex* mutex) ABSL_SHARED_LOCK_FUNCTION(mutex) : mutex_(mutex) {
    mutex_->lockShared();
  }
  ~ReaderMutexLock() ABSL_UNLOCK_FUNCTION() { mutex_->unlockShared(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  SharedMutex* const mutex_;
};

class ABSL_SCOPED_LOCKABLE WriterMutexLock {
 public:
  explicit WriterMutexLock(SharedMutex* mutex) ABSL_EXCLUSIVE_LOCK_FUNCTION(mutex) : mutex_(mutex) {
    mutex_->lock();
  }
  ~WriterMutexLock() ABSL_UNLOCK_FUNCTION() { mutex_->unlock(); }
  WriterMutexLock(const WriterMutexLock&) = delete;
  WriterMutexLock& operator=(const WriterMutexLock&) = delete;

 private:
  SharedMutex* const mutex_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_SHAREDMUTEX_H_
