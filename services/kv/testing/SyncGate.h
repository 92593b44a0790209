// SyncGate: holds a FaultInjectionEnv's log syncs at their start, so a test
// can look at what waits for a sync in progress and at what is written
// while it runs. Syncs pass only as the test allows them (allow(n), or
// openUp() for all); entered() counts the syncs that reached the gate.
// Destroying the gate opens it, so a failed assertion cannot leave a
// store's threads held for ever.
//
// Thread safety: every method may be called from any thread; the held
// syncs wait in their own threads (the state they wait on outlives the
// gate while they do).
#ifndef SERVICES_KV_TESTING_SYNCGATE_H_
#define SERVICES_KV_TESTING_SYNCGATE_H_

#include <chrono>
#include <memory>
#include <string>

#include "muduo/base/Mutex.h"
#include "services/kv/testing/FaultInjectionEnv.h"

namespace muduo::kv {

class SyncGate {
 public:
  // Holds the syncs of files whose path contains "/log-" from now on.
  explicit SyncGate(FaultInjectionEnv* env) : env_(env), state_(std::make_shared<State>()) {
    env_->setSyncHook([state = state_](const std::string& path) {
      if (path.find("/log-") != std::string::npos) state->pass();
    });
  }
  ~SyncGate() {
    env_->setSyncHook(nullptr);
    openUp();
  }
  SyncGate(const SyncGate&) = delete;
  SyncGate& operator=(const SyncGate&) = delete;

  // Lets n more syncs through (held ones first).
  void allow(int n) {
    MutexLock lock(&state_->mutex);
    state_->allowed += n;
    state_->changed.notifyAll();
  }
  void openUp() {
    MutexLock lock(&state_->mutex);
    state_->open = true;
    state_->changed.notifyAll();
  }
  // Waits, bounded, until n syncs have reached the gate; false on timeout.
  [[nodiscard]] bool waitEntered(int n, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    MutexLock lock(&state_->mutex);
    while (state_->entered < n) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      (void)state_->changed.waitFor(&state_->mutex, deadline - now);
    }
    return true;
  }
  [[nodiscard]] int entered() const {
    MutexLock lock(&state_->mutex);
    return state_->entered;
  }

 private:
  struct State {
    void pass() {
      MutexLock lock(&mutex);
      ++entered;
      changed.notifyAll();
      while (!open && allowed == 0) changed.wait(&mutex);
      if (!open) --allowed;
    }
    Mutex mutex;
    Condition changed;
    int entered ABSL_GUARDED_BY(mutex) = 0;
    int allowed ABSL_GUARDED_BY(mutex) = 0;
    bool open ABSL_GUARDED_BY(mutex) = false;
  };

  FaultInjectionEnv* const env_;
  const std::shared_ptr<State> state_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_TESTING_SYNCGATE_H_
