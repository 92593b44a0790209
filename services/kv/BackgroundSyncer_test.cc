#include "services/kv/BackgroundSyncer.h"

#include <gtest/gtest.h>

#include <chrono>

#include "muduo/base/Mutex.h"

namespace muduo::kv {
namespace {

using namespace std::chrono_literals;

// Counts the syncer's calls; a test waits for a count, bounded.
class CallCounter {
 public:
  absl::AnyInvocable<void()> sync() {
    return [this] {
      MutexLock lock(&mutex_);
      ++calls_;
      changed_.notifyAll();
    };
  }
  bool waitFor(int calls, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    MutexLock lock(&mutex_);
    while (calls_ < calls) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      (void)changed_.waitFor(&mutex_, deadline - now);
    }
    return true;
  }
  int calls() const {
    MutexLock lock(&mutex_);
    return calls_;
  }

 private:
  mutable Mutex mutex_;
  Condition changed_;
  int calls_ ABSL_GUARDED_BY(mutex_) = 0;
};

TEST(BackgroundSyncerTest, SyncsAgainEveryInterval) {
  CallCounter counter;
  BackgroundSyncer syncer(1ms, counter.sync());
  EXPECT_TRUE(counter.waitFor(3, 10s));
  syncer.stop();
  const int calls = counter.calls();
  syncer.stop();  // idempotent
  EXPECT_EQ(counter.calls(), calls) << "no call after stop()";
}

TEST(BackgroundSyncerTest, StopDoesNotWaitForTheNextInterval) {
  CallCounter counter;
  BackgroundSyncer syncer(std::chrono::hours(1), counter.sync());
  syncer.stop();  // a test timeout, not an assertion, catches a wait of an hour
  EXPECT_EQ(counter.calls(), 0);
}

}  // namespace
}  // namespace muduo::kv
