// Store under injected I/O errors (FaultInjectionEnv): what each failing
// operation means for the write in flight, for later writes and reads, and
// for what a restart finds.
//   log write fails     -> that batch INTERNAL, not applied (the log is cut
//                          back); the store is read-only until restarted
//   log fdatasync fails -> UNKNOWN: the record may reappear after a restart
//   directory sync fails (compaction) -> the store fails likewise
//   rename fails (compaction) -> the compaction fails, the store carries on
// After a failure every write gets UNAVAILABLE and health() says why.
#include <atomic>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/kv/Store.h"
#include "services/kv/testing/FaultInjectionEnv.h"

namespace muduo::kv {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Op = FaultInjectionEnv::Op;

bool isLog(const std::string& path) { return path.find("/log-") != std::string::npos; }

class StoreFaultsTest : public ::testing::TestWithParam<SyncMode> {
 protected:
  void SetUp() override {
    const char* tmp = ::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/faults_", counter_++);
    fs::remove_all(dir_);
  }

  std::unique_ptr<Store> open(Env* env, uint64_t compactionMinBytes = 64 << 20) {
    Store::Options options;
    options.dir = dir_;
    options.env = env;
    options.sync = GetParam();
    options.compactionMinBytes = compactionMinBytes;
    auto store = Store::open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // `committedHere`, if given: whether the answer came in this thread (a
  // commit of the caller's own, with Caller::kMayWaitForSync).
  static absl::Status put(Store& store, std::string key, std::string value,
                          Store::Caller caller = Store::Caller::kMustNotWait,
                          bool* committedHere = nullptr) {
    WriteBatch batch;
    batch.put(std::move(key), std::move(value));
    auto done = std::make_shared<std::promise<absl::Status>>();
    auto future = done->get_future();
    const std::thread::id me = std::this_thread::get_id();
    auto here = std::make_shared<std::atomic<bool>>(false);
    store.write(
        std::move(batch),
        [done, me, here](absl::Status s, WriteBatch&) {
          here->store(std::this_thread::get_id() == me);
          done->set_value(std::move(s));
        },
        caller);
    if (committedHere != nullptr) *committedHere = here->load();
    if (future.wait_for(10s) != std::future_status::ready) {
      ADD_FAILURE() << "a write was never answered";
      std::abort();
    }
    return future.get();
  }

  static std::optional<std::string> get(const Store& store, std::string_view key) {
    std::string value;
    if (!store.get(key, &value)) return std::nullopt;
    return value;
  }

  // After a failed log write or sync (of a store holding "before" = "1"):
  // every later write is refused, from `caller` and from the writer, reads
  // go on, and a restart finds what was acknowledged and nothing refused.
  std::unique_ptr<Store> expectReadOnlyUntilReopened(std::unique_ptr<Store> store,
                                                     Store::Caller caller) {
    EXPECT_EQ(put(*store, "later", "3", caller).code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(put(*store, "later", "3").code(), absl::StatusCode::kUnavailable);
    EXPECT_FALSE(store->health().ok());
    EXPECT_EQ(get(*store, "before"), "1");
    store.reset();
    auto reopened = open(Env::posix());
    if (reopened == nullptr) return nullptr;
    EXPECT_EQ(get(*reopened, "before"), "1") << "acknowledged, so never lost";
    EXPECT_EQ(get(*reopened, "later"), std::nullopt);
    return reopened;
  }

  // Fills the store past a tiny compaction threshold until a compaction ran
  // (or was tried); bounded.
  static void writeUntilCompactionTried(Store& store, FaultInjectionEnv& env, int* written) {
    for (int i = 0; i < 2000 && env.failuresInjected() == 0; ++i) {
      ASSERT_TRUE(put(store, absl::StrCat("k", i % 20), std::string(100, 'a' + i % 26)).ok());
      store.waitForCompaction();
      *written = i + 1;
    }
  }

  static inline int counter_ = 0;
  std::string dir_;
};

INSTANTIATE_TEST_SUITE_P(AllModes, StoreFaultsTest,
                         ::testing::Values(SyncMode::kAlways, SyncMode::kBatch, SyncMode::kEverySec,
                                           SyncMode::kNone),
                         [](const auto& info) { return std::string(syncModeName(info.param)); });

TEST_P(StoreFaultsTest, AFailedLogWriteIsNotAppliedAndLaterWritesAreRefused) {
  FaultInjectionEnv env;
  auto store = open(&env);
  ASSERT_TRUE(put(*store, "before", "1").ok());
  FaultInjectionEnv::Fault fault;
  fault.op = Op::kAppend;
  fault.error = ENOSPC;
  fault.shortWrite = true;  // half a record reaches the file
  fault.match = isLog;
  fault.once = true;
  env.inject(fault);
  const absl::Status failed = put(*store, "failed", std::string(200, 'x'));
  EXPECT_EQ(failed.code(), absl::StatusCode::kInternal) << failed;
  EXPECT_NE(failed.message().find("not applied"), std::string_view::npos) << failed;
  const absl::Status later = put(*store, "later", "2");
  EXPECT_EQ(later.code(), absl::StatusCode::kUnavailable) << later;
  EXPECT_EQ(store->health().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(store->health().message().find(strerror(ENOSPC)), std::string_view::npos)
      << "health names the cause: " << store->health();
  EXPECT_EQ(get(*store, "before"), "1") << "reads keep working";
  EXPECT_EQ(get(*store, "failed"), std::nullopt);
  store.reset();
  auto reopened = open(Env::posix());
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(get(*reopened, "before"), "1");
  EXPECT_EQ(get(*reopened, "failed"), std::nullopt) << "the half record was cut back";
  EXPECT_TRUE(put(*reopened, "after-restart", "3").ok());
}

TEST_P(StoreFaultsTest, AFailedLogSyncReportsTheOutcomeAsUnknown) {
  if (!syncsBeforeAcknowledging(GetParam())) {
    GTEST_SKIP() << "a write waits for no sync (Store_sync_test fails everysec's)";
  }
  FaultInjectionEnv env;
  auto store = open(&env);
  ASSERT_TRUE(put(*store, "before", "1").ok());
  EXPECT_TRUE(store->health().ok());
  FaultInjectionEnv::Fault fault;
  fault.op = Op::kSync;
  fault.match = isLog;
  fault.once = true;
  env.inject(fault);
  const absl::Status failed = put(*store, "maybe", "2");
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnknown) << failed;
  EXPECT_NE(failed.message().find("unknown"), std::string_view::npos) << failed;
  auto reopened = expectReadOnlyUntilReopened(std::move(store), Store::Caller::kMustNotWait);
  ASSERT_NE(reopened, nullptr);
  // The record reached the page cache, so it comes back: that is why the
  // answer could not be "not applied".
  EXPECT_EQ(get(*reopened, "maybe"), "2");
}

// The same two failures in a commit an I/O loop runs itself (kAlways and
// kBatch with Caller::kMayWaitForSync): answered the same, in the loop's
// thread, and every later write is refused, from the loop or the writer.
TEST_P(StoreFaultsTest, AFailureInALoopsOwnCommitIsAnsweredAsTheWritersAndLaterWritesAreRefused) {
  if (!syncsBeforeAcknowledging(GetParam())) GTEST_SKIP() << "no commit of a loop's own";
  constexpr auto kLoop = Store::Caller::kMayWaitForSync;
  for (const Op op : {Op::kAppend, Op::kSync}) {
    SCOPED_TRACE(op == Op::kAppend ? "append" : "sync");
    fs::remove_all(dir_);
    FaultInjectionEnv env;
    auto store = open(&env);
    bool here = false;
    ASSERT_TRUE(put(*store, "before", "1", kLoop, &here).ok());
    EXPECT_TRUE(here) << "an idle writer and a small batch: the caller commits";
    FaultInjectionEnv::Fault fault;
    fault.op = op;
    fault.error = ENOSPC;
    fault.match = isLog;
    fault.once = true;
    env.inject(fault);
    const absl::Status failed = put(*store, "failed", "2", kLoop, &here);
    EXPECT_TRUE(here);
    EXPECT_EQ(failed.code(),
              op == Op::kAppend ? absl::StatusCode::kInternal : absl::StatusCode::kUnknown)
        << failed;
    EXPECT_NE(expectReadOnlyUntilReopened(std::move(store), kLoop), nullptr);
  }
}

TEST_P(StoreFaultsTest, ADirectorySyncFailingInCompactionFailsTheStoreButKeepsItsData) {
  FaultInjectionEnv env;
  auto store = open(&env, /*compactionMinBytes=*/4096);
  FaultInjectionEnv::Fault fault;
  fault.op = Op::kSyncDir;
  env.inject(fault);  // every one from now: the open's sync is done
  int written = 0;
  writeUntilCompactionTried(*store, env, &written);
  ASSERT_GT(env.failuresInjected(), 0u) << "no compaction was tried";
  const absl::Status later = put(*store, "later", "x");
  EXPECT_EQ(later.code(), absl::StatusCode::kUnavailable) << later;
  EXPECT_FALSE(store->health().ok());
  EXPECT_EQ(get(*store, "k0").has_value(), true) << "reads keep working";
  store.reset();
  env.clearFaults();
  auto reopened = open(&env);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->stats().keys, static_cast<size_t>(std::min(written, 20)));
}

TEST_P(StoreFaultsTest, ARenameFailingInCompactionFailsOnlyTheCompaction) {
  FaultInjectionEnv env;
  auto store = open(&env, /*compactionMinBytes=*/4096);
  FaultInjectionEnv::Fault fault;
  fault.op = Op::kRename;
  fault.once = true;
  env.inject(fault);
  int written = 0;
  writeUntilCompactionTried(*store, env, &written);
  ASSERT_EQ(env.failuresInjected(), 1u) << "no compaction was tried";
  EXPECT_TRUE(put(*store, "later", "x").ok()) << "the store carries on";
  EXPECT_TRUE(store->health().ok());
  // A later compaction succeeds once the log has grown enough.
  for (int i = 0; i < 2000 && store->stats().compactions == 0; ++i) {
    ASSERT_TRUE(put(*store, absl::StrCat("k", i % 20), std::string(100, 'z')).ok());
    store->waitForCompaction();
  }
  EXPECT_GE(store->stats().compactions, 1u);
  store.reset();
  auto reopened = open(&env);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(get(*reopened, "later"), "x");
  EXPECT_EQ(reopened->stats().keys, 21u);
}

}  // namespace
}  // namespace muduo::kv
