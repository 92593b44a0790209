#include "services/kv/ExpirySweeper.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "muduo/base/Mutex.h"

namespace muduo::kv {
namespace {

using namespace std::chrono_literals;

// A keyspace of expired keys that the sweeper's writes delete, in the
// sweeper's thread (as a kNone store would).
class FakeKeyspace {
 public:
  explicit FakeKeyspace(int expired) {
    for (int i = 0; i < expired; ++i) keys_.push_back("k" + std::to_string(i));
  }

  ExpirySweeper::Collect collect() {
    return [this](size_t limit, std::vector<std::string>* out) {
      MutexLock lock(&mutex_);
      for (size_t i = 0; i < keys_.size() && out->size() < limit; ++i) out->push_back(keys_[i]);
    };
  }
  ExpirySweeper::Write write() {
    return [this](WriteBatch batch, GroupCommitQueue::Callback done) {
      {
        MutexLock lock(&mutex_);
        ++batches_;
        for (WriteOp& op : batch.ops()) {
          EXPECT_EQ(op.condition, WriteOp::Condition::kExpired)
              << "a key set again meanwhile must survive";
          auto it = std::find(keys_.begin(), keys_.end(), op.key);
          if (it != keys_.end()) {
            keys_.erase(it);
            op.outcome = WriteOp::Outcome::kApplied;
          }
        }
        changed_.notifyAll();
      }
      std::move(done)(absl::OkStatus(), batch);
    };
  }
  // Bounded: false if keys are still left after `timeout`.
  bool waitUntilEmpty(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    MutexLock lock(&mutex_);
    while (!keys_.empty()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      (void)changed_.waitFor(&mutex_, deadline - now);
    }
    return true;
  }
  int batches() const {
    MutexLock lock(&mutex_);
    return batches_;
  }

 private:
  mutable Mutex mutex_;
  Condition changed_;
  std::vector<std::string> keys_ ABSL_GUARDED_BY(mutex_);
  int batches_ ABSL_GUARDED_BY(mutex_) = 0;
};

TEST(ExpirySweeperTest, DeletesExpiredKeysInBoundedBatchesAndCountsThem) {
  FakeKeyspace keyspace(600);
  ExpirySweeper sweeper(1ms, keyspace.collect(), keyspace.write());
  ASSERT_TRUE(keyspace.waitUntilEmpty(10s));
  sweeper.stop();
  EXPECT_EQ(sweeper.expiredKeys(), 600u);
  EXPECT_EQ(keyspace.batches(), 3) << "256 + 256 + 88";
}

TEST(ExpirySweeperTest, StopReturnsPromptlyWithALongInterval) {
  FakeKeyspace keyspace(0);
  const auto started = std::chrono::steady_clock::now();
  {
    ExpirySweeper sweeper(1h, keyspace.collect(), keyspace.write());
    sweeper.stop();
    sweeper.stop();  // idempotent
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_EQ(keyspace.batches(), 0);
}

}  // namespace
}  // namespace muduo::kv
