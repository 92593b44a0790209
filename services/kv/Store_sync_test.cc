// What each sync mode promises about acknowledgements and fdatasyncs,
// watched through a FaultInjectionEnv whose log syncs a SyncGate holds:
// under always, one sync covers every write waiting when it starts and no
// write is acknowledged before the sync covering it returns; under
// everysec, writes are acknowledged at once, a background sync follows, and
// its failure makes the store read-only. (Store_powerloss_test checks what
// survives a power loss in each mode.)
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "muduo/base/Mutex.h"
#include "services/kv/Store.h"
#include "services/kv/testing/FaultInjectionEnv.h"
#include "services/kv/testing/SyncGate.h"
#include "services/kv/testing/TestLog.h"

namespace muduo::kv {
namespace {

using namespace std::chrono_literals;

constexpr auto kWait = 10s;

// Counts acknowledgements; a test waits for a count, bounded.
class Acks {
 public:
  Store::WriteCallback callback() {
    return [this](absl::Status status, WriteBatch&) {
      MutexLock lock(&mutex_);
      if (!status.ok()) failures_ = absl::StrCat(failures_, status.ToString(), "; ");
      ++count_;
      changed_.notifyAll();
    };
  }
  [[nodiscard]] bool waitFor(int count) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    MutexLock lock(&mutex_);
    while (count_ < count) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      (void)changed_.waitFor(&mutex_, deadline - now);
    }
    return true;
  }
  [[nodiscard]] int count() const {
    MutexLock lock(&mutex_);
    return count_;
  }
  [[nodiscard]] std::string failures() const {
    MutexLock lock(&mutex_);
    return failures_;
  }

 private:
  mutable Mutex mutex_;
  Condition changed_;
  int count_ ABSL_GUARDED_BY(mutex_) = 0;
  std::string failures_ ABSL_GUARDED_BY(mutex_);
};

WriteBatch putBatch(const std::string& key) {
  WriteBatch batch;
  batch.put(key, "v");
  return batch;
}

// Polls a condition another thread makes true, bounded.
template <typename Predicate>
bool eventually(Predicate predicate) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

class StoreSyncTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> open(SyncMode mode,
                              std::chrono::milliseconds everysecInterval = std::chrono::hours(1)) {
    Store::Options options;
    options.dir = testing::freshTestDir("store_sync");
    options.env = &env_;
    options.sync = mode;
    options.everysecInterval = everysecInterval;
    options.expiryInterval = std::chrono::milliseconds(0);  // no writes but the test's
    auto store = Store::open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  FaultInjectionEnv env_;
};

TEST_F(StoreSyncTest, AlwaysShareOneSyncAmongEveryWriteWaitingBehindASlowOne) {
  auto store = open(SyncMode::kAlways);
  ASSERT_NE(store, nullptr);
  // Read before the first write: stats() waits for the log while a sync
  // holds it (always syncs under the log's lock).
  const uint64_t syncsBefore = env_.fileSyncs();
  const uint64_t groupsBefore = store->stats().groups;
  SyncGate gate(&env_);
  Acks acks;
  store->write(putBatch("first"), acks.callback());
  ASSERT_TRUE(gate.waitEntered(1, kWait));
  constexpr int kWaiting = 8;
  for (int i = 0; i < kWaiting; ++i) store->write(putBatch(absl::StrCat("k", i)), acks.callback());
  EXPECT_EQ(acks.count(), 0) << "acknowledged before the sync covering it returned";

  gate.allow(1);
  ASSERT_TRUE(acks.waitFor(1));
  ASSERT_TRUE(gate.waitEntered(2, kWait)) << "the eight waiting go to the next sync at once";
  EXPECT_EQ(acks.count(), 1) << "the eight were acknowledged before their sync returned";
  std::string value;
  EXPECT_FALSE(store->get("k0", &value)) << "visible before it is durable";

  gate.allow(1);
  ASSERT_TRUE(acks.waitFor(1 + kWaiting));
  EXPECT_EQ(acks.failures(), "");
  EXPECT_EQ(env_.fileSyncs() - syncsBefore, 2u) << "one for the first, one for all eight";
  EXPECT_EQ(store->stats().groups - groupsBefore, 2u);
  EXPECT_EQ(store->stats().syncs, 2u);
  EXPECT_EQ(gate.entered(), 2);
  EXPECT_TRUE(store->get("k7", &value));
  gate.openUp();
  store->close();
}

TEST_F(StoreSyncTest, AlwaysACallerCommittingItselfIsAcknowledgedOnlyAfterItsSync) {
  for (SyncMode mode : {SyncMode::kAlways, SyncMode::kBatch}) {
    auto store = open(mode);
    ASSERT_NE(store, nullptr);
    SyncGate gate(&env_);
    Acks acks;
    std::thread loop([&] {
      store->write(putBatch("mine"), acks.callback(), Store::Caller::kMayWaitForSync);
      // It committed the batch itself: acknowledged before write() returns.
      EXPECT_EQ(acks.count(), 1) << syncModeName(mode);
    });
    // No ASSERT until `loop` is joined (gate.allow() releases it).
    EXPECT_TRUE(gate.waitEntered(1, kWait)) << syncModeName(mode);
    // This one queues for the log writer behind the caller's commit.
    store->write(putBatch("queued"), acks.callback());
    EXPECT_EQ(acks.count(), 0) << syncModeName(mode) << ": acknowledged before its sync returned";
    std::string value;
    EXPECT_FALSE(store->get("mine", &value)) << syncModeName(mode) << ": visible before durable";
    gate.allow(1);
    loop.join();
    ASSERT_TRUE(gate.waitEntered(2, kWait)) << syncModeName(mode);
    EXPECT_EQ(acks.count(), 1) << syncModeName(mode);
    gate.allow(1);
    ASSERT_TRUE(acks.waitFor(2));
    EXPECT_EQ(acks.failures(), "");
    EXPECT_TRUE(store->get("mine", &value));
    EXPECT_TRUE(store->get("queued", &value));
    gate.openUp();
    store->close();
  }
}

TEST_F(StoreSyncTest, EverySecAcknowledgesBeforeTheSyncAndSyncsInTheBackground) {
  auto store = open(SyncMode::kEverySec, 1ms);
  ASSERT_NE(store, nullptr);
  SyncGate gate(&env_);
  Acks acks;
  store->write(putBatch("a"), acks.callback());
  EXPECT_EQ(acks.count(), 1) << "acknowledged in the caller's thread, after write(2) alone";
  ASSERT_TRUE(gate.waitEntered(1, kWait)) << "a background sync follows";
  store->write(putBatch("b"), acks.callback());
  EXPECT_EQ(acks.count(), 2) << "a sync in progress holds up no write";
  gate.openUp();
  ASSERT_TRUE(eventually([&] { return store->stats().backgroundSyncs >= 2; }))
      << "b is synced by a later background sync";
  EXPECT_EQ(acks.failures(), "");
  EXPECT_EQ(store->stats().postponedWrites, 0u);
  store->close();
}

TEST_F(StoreSyncTest, EverySecBackgroundSyncFailureMakesTheStoreReadOnly) {
  auto store = open(SyncMode::kEverySec, 1ms);
  ASSERT_NE(store, nullptr);
  FaultInjectionEnv::Fault fault;
  fault.op = FaultInjectionEnv::Op::kSync;
  fault.once = true;
  fault.match = [](const std::string& path) { return path.find("/log-") != std::string::npos; };
  env_.inject(fault);
  Acks acks;
  store->write(putBatch("a"), acks.callback());
  EXPECT_EQ(acks.failures(), "") << "acknowledged before the sync that fails";
  ASSERT_TRUE(eventually([&] { return !store->health().ok(); }));
  EXPECT_EQ(store->health().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(store->health().message().find("background fdatasync"), std::string_view::npos)
      << store->health();
  store->write(putBatch("b"), acks.callback());
  EXPECT_NE(acks.failures().find("UNAVAILABLE"), std::string::npos) << acks.failures();
  std::string value;
  EXPECT_TRUE(store->get("a", &value)) << "reads keep working";
  store->close();
}

}  // namespace
}  // namespace muduo::kv
