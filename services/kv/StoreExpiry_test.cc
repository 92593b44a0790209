// Store: key expiry (hidden from every read, deleted by the sweep through
// the log, kept across restarts and compactions) and the keyspace reads the
// Redis port needs (keysFrom, randomKey, ttlMillis). Time is a fake clock.
#include <atomic>
#include <filesystem>
#include <future>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/kv/Store.h"

namespace muduo::kv {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr int64_t kStart = 1'800'000'000'000;

class StoreExpiryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = ::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/store_expiry_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    open();
  }

  void open(uint64_t compactionMinBytes = 64 << 20) {
    store_.reset();
    Store::Options options;
    options.dir = dir_;
    options.sync = SyncMode::kBatch;
    options.compactionMinBytes = compactionMinBytes;
    options.clock = [this] { return now_.load(); };
    options.expiryInterval = 5ms;
    auto store = Store::open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  WriteBatch write(WriteBatch batch) {
    auto promise = std::make_shared<std::promise<std::pair<absl::Status, WriteBatch>>>();
    auto future = promise->get_future();
    store_->write(std::move(batch), [promise](absl::Status s, WriteBatch& b) {
      promise->set_value({std::move(s), std::move(b)});
    });
    if (future.wait_for(10s) != std::future_status::ready) {
      ADD_FAILURE() << "a write was never acknowledged";
      std::abort();
    }
    auto [status, done] = future.get();
    EXPECT_TRUE(status.ok()) << status;
    return std::move(done);
  }

  void put(std::string key, std::string value, int64_t expireAt = 0) {
    WriteBatch batch;
    batch.put(std::move(key), std::move(value)).expireAt = expireAt;
    write(std::move(batch));
  }

  std::optional<std::string> get(std::string_view key) const {
    std::string value;
    if (!store_->get(key, &value)) return std::nullopt;
    return value;
  }

  std::string dir_;
  std::atomic<int64_t> now_{kStart};
  std::unique_ptr<Store> store_;
};

TEST_F(StoreExpiryTest, AnExpiredKeyIsHiddenFromEveryRead) {
  store_->close();  // no sweep: what the reads hide is still in the table
  Store::Options options;
  options.dir = dir_ + "_nosweep";
  options.clock = [this] { return now_.load(); };
  options.expiryInterval = 0ms;
  auto opened = Store::open(options);
  ASSERT_TRUE(opened.ok());
  store_ = std::move(*opened);
  put("a", "1", kStart + 1000);
  put("b", "2");
  EXPECT_EQ(get("a"), "1");
  EXPECT_EQ(store_->ttlMillis("a"), 1000);
  EXPECT_EQ(store_->ttlMillis("b"), -1);
  EXPECT_EQ(store_->ttlMillis("c"), -2);

  now_ = kStart + 1000;
  EXPECT_EQ(get("a"), std::nullopt);
  EXPECT_FALSE(store_->contains("a"));
  EXPECT_FALSE(store_->read("a", [](std::string_view) {}));
  EXPECT_EQ(store_->ttlMillis("a"), -2);
  EXPECT_EQ(store_->expireAt("a"), std::nullopt);
  const std::string_view keys[] = {"a", "b"};
  int seen = 0;
  store_->readEach(keys, [&](size_t, const std::string* v) { seen += v != nullptr; });
  EXPECT_EQ(seen, 1);
  bool more = false;
  auto scanned = store_->scan("", std::nullopt, 10, 1 << 20, &more);
  ASSERT_EQ(scanned.size(), 1u);
  EXPECT_EQ(scanned[0].first, "b");
  std::vector<std::string> visited;
  EXPECT_EQ(store_->keysFrom("", 10, [&](std::string_view k) { visited.emplace_back(k); }),
            std::nullopt);
  EXPECT_EQ(visited, std::vector<std::string>{"b"});
  EXPECT_EQ(store_->size(), 2u) << "like DBSIZE, counts keys not yet swept";
  for (int i = 0; i < 20; ++i) EXPECT_EQ(store_->randomKey(), "b");
}

TEST_F(StoreExpiryTest, TheSweepDeletesExpiredKeysThroughTheLog) {
  for (int i = 0; i < 600; ++i) put(absl::StrCat("t", i), "v", kStart + 10 + i % 3);
  put("forever", "v");
  put("later", "v", kStart + 1'000'000);
  now_ = kStart + 100;
  // The sweeper counts a batch in its completion, which runs after the table
  // has dropped the keys, so wait for both.
  auto swept = [&] { return store_->size() == 2 && store_->stats().expiredKeys == 600; };
  for (int i = 0; i < 2000 && !swept(); ++i) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(store_->size(), 2u) << "the sweep never deleted the expired keys";
  EXPECT_EQ(store_->stats().expiredKeys, 600u);

  // The deletions are in the log: with the clock set back they stay deleted.
  now_ = kStart;
  open();
  EXPECT_EQ(store_->size(), 2u);
  EXPECT_EQ(get("t0"), std::nullopt);
  EXPECT_EQ(store_->ttlMillis("later"), 1'000'000);
}

TEST_F(StoreExpiryTest, ExpiryTimesSurviveARestartAndACompaction) {
  put("log", "v", kStart + 5000);
  WriteBatch expire;
  WriteOp& op = expire.op(WriteOp::Kind::kExpire, "log");
  op.expireAt = kStart + 7000;
  put("persisted", "v", kStart + 100);
  WriteOp& persist = expire.op(WriteOp::Kind::kExpire, "persisted");
  persist.expireAt = 0;
  write(std::move(expire));
  open();
  EXPECT_EQ(store_->ttlMillis("log"), 7000);
  EXPECT_EQ(store_->ttlMillis("persisted"), -1);

  // Enough writes to compact into a snapshot, which must keep the times.
  open(/*compactionMinBytes=*/4096);
  for (int i = 0; i < 200; ++i) put(absl::StrCat("filler", i % 10), std::string(100, 'x'));
  store_->waitForCompaction();
  ASSERT_GE(store_->stats().compactions, 1u);
  open();
  EXPECT_EQ(store_->ttlMillis("log"), 7000);
  EXPECT_EQ(store_->ttlMillis("persisted"), -1);
}

TEST_F(StoreExpiryTest, AnAbortedTransactionLogsNothing) {
  put("watched", "1");
  WriteBatch exec;
  WriteOp& check = exec.op(WriteOp::Kind::kCheck, "watched");
  check.condition = WriteOp::Condition::kEquals;
  check.expected = "0";
  exec.put("x", "1");
  WriteBatch done = write(std::move(exec));
  EXPECT_EQ(done.ops()[1].outcome, WriteOp::Outcome::kAborted);
  const uint64_t logBytes = store_->stats().logBytes;
  open();
  EXPECT_EQ(get("x"), std::nullopt);
  EXPECT_EQ(store_->stats().logBytes, logBytes);
}

TEST_F(StoreExpiryTest, KeysFromVisitsEveryKeyOnceInPages) {
  std::set<std::string> expected;
  for (int i = 0; i < 1000; ++i) {
    expected.insert(absl::StrCat("k", i));
    put(absl::StrCat("k", i), "v");
  }
  std::set<std::string> seen;
  std::optional<std::string> next = "";
  int pages = 0;
  while (next && pages < 1000) {
    next = store_->keysFrom(*next, 64, [&](std::string_view k) {
      EXPECT_TRUE(seen.emplace(k).second) << "visited twice: " << k;
    });
    ++pages;
  }
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(pages, 16);
}

}  // namespace
}  // namespace muduo::kv
