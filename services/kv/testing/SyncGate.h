// SyncGate: holds a FaultInjectionEnv's log syncs at their start, so a test
// can look at what waits for a sync in progress and at what is written
// while it runs. Syncs pass only as the test allows them (allow(n), or
// openUp() for all); entered() counts the syncs that reached the gate.
//
// Thread safety: every method may be called from any thread; the held
// syncs wait in their own threads. Destroy it only once no sync is at the
// gate (close the store first).
#ifndef SERVICES_KV_TESTING_SYNCGATE_H_
#define SERVICES_KV_TESTING_SYNCGATE_H_

#include <chrono>
#include <string>

#include "muduo/base/Mutex.h"
#include "services/kv/testing/FaultInjectionEnv.h"

namespace muduo::kv {

class SyncGate {
 public:
  // Holds the syncs of files whose path contains "/log-" from now on.
  explicit SyncGate(FaultInjectionEnv* env) : env_(env) {
    env_->setSyncHook([this](const std::string& path) {
      if (path.find("/log-") == std::string::npos) return;
      MutexLock lock(&mutex_);
      ++entered_;
      changed_.notifyAll();
      while (!open_ && allowed_ == 0) changed_.wait(&mutex_);
      if (!open_) --allowed_;
    });
  }
  ~SyncGate() { env_->setSyncHook(nullptr); }
  SyncGate(const SyncGate&) = delete;
  SyncGate& operator=(const SyncGate&) = delete;

  // Lets n more syncs through (held ones first).
  void allow(int n) {
    MutexLock lock(&mutex_);
    allowed_ += n;
    changed_.notifyAll();
  }
  void openUp() {
    MutexLock lock(&mutex_);
    open_ = true;
    changed_.notifyAll();
  }
  // Waits, bounded, until n syncs have reached the gate; false on timeout.
  [[nodiscard]] bool waitEntered(int n, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    MutexLock lock(&mutex_);
    while (entered_ < n) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      (void)changed_.waitFor(&mutex_, deadline - now);
    }
    return true;
  }
  [[nodiscard]] int entered() const {
    MutexLock lock(&mutex_);
    return entered_;
  }

 private:
  FaultInjectionEnv* const env_;
  mutable Mutex mutex_;
  Condition changed_;
  int entered_ ABSL_GUARDED_BY(mutex_) = 0;
  int allowed_ ABSL_GUARDED_BY(mutex_) = 0;
  bool open_ ABSL_GUARDED_BY(mutex_) = false;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_TESTING_SYNCGATE_H_
