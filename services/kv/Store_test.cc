// Store: the operations, their atomicity and order under concurrency,
// durability across reopen in every sync mode, recovery from torn and
// corrupt logs, and compaction (including the states a crash can leave).
#include "services/kv/Store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/kv/DataDir.h"
#include "services/kv/Env.h"
#include "services/kv/Limits.h"
#include "services/kv/LogFormat.h"
#include "services/kv/Recovery.h"
#include "services/kv/Table.h"
#include "services/kv/WritableFile.h"

namespace muduo::kv {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr auto kWait = 10s;

std::string freshDir(const std::string& name) {
  const char* tmp = ::getenv("TEST_TMPDIR");
  static int counter = 0;
  const std::string dir =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/store_test_", name, "_", ++counter);
  fs::remove_all(dir);
  return dir;
}

std::unique_ptr<Store> openStore(const std::string& dir, SyncMode mode = SyncMode::kBatch,
                                 uint64_t compactionMinBytes = 64 << 20) {
  Store::Options options;
  options.dir = dir;
  options.sync = mode;
  options.compactionMinBytes = compactionMinBytes;
  auto store = Store::open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

struct Written {
  absl::Status status;
  WriteBatch batch;
};

// Writes and waits for the callback, bounded.
Written writeAndWait(Store& store, WriteBatch batch) {
  auto promise = std::make_shared<std::promise<Written>>();
  auto future = promise->get_future();
  store.write(std::move(batch), [promise](absl::Status status, WriteBatch& b) {
    promise->set_value(Written{std::move(status), std::move(b)});
  });
  if (future.wait_for(kWait) != std::future_status::ready) {
    ADD_FAILURE() << "a write was never acknowledged";
    std::abort();
  }
  return future.get();
}

absl::Status put(Store& store, std::string key, std::string value) {
  WriteBatch batch;
  batch.put(std::move(key), std::move(value));
  return writeAndWait(store, std::move(batch)).status;
}

std::optional<std::string> get(const Store& store, std::string_view key) {
  std::string value;
  if (!store.get(key, &value)) return std::nullopt;
  return value;
}

std::vector<std::pair<std::string, std::string>> everything(const Store& store) {
  bool more = false;
  return store.scan("", std::nullopt, SIZE_MAX, SIZE_MAX, &more);
}

std::string onlyLog(const std::string& dir) {
  std::string found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename();
    if (name.starts_with("log-")) {
      EXPECT_TRUE(found.empty()) << "more than one log in " << dir;
      found = entry.path();
    }
  }
  return found;
}

class StoreModeTest : public ::testing::TestWithParam<SyncMode> {};

INSTANTIATE_TEST_SUITE_P(AllModes, StoreModeTest,
                         ::testing::Values(SyncMode::kAlways, SyncMode::kBatch, SyncMode::kEverySec,
                                           SyncMode::kNone),
                         [](const auto& info) { return std::string(syncModeName(info.param)); });

TEST_P(StoreModeTest, PutGetDeleteAndEveryWriteSurvivesAReopen) {
  const std::string dir = freshDir("roundtrip");
  {
    auto store = openStore(dir, GetParam());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(get(*store, "a"), std::nullopt);
    ASSERT_TRUE(put(*store, "a", "1").ok());
    ASSERT_TRUE(put(*store, "b", "2").ok());
    ASSERT_TRUE(put(*store, "a", "one").ok());
    EXPECT_EQ(get(*store, "a"), "one");
    WriteBatch del;
    del.remove("b");
    del.remove("never-there");
    Written deleted = writeAndWait(*store, std::move(del));
    ASSERT_TRUE(deleted.status.ok());
    EXPECT_TRUE(deleted.batch.ops()[0].existed);
    EXPECT_FALSE(deleted.batch.ops()[1].existed);
    EXPECT_EQ(get(*store, "b"), std::nullopt);
    const std::string binary("\0\x01\xff", 3);
    ASSERT_TRUE(put(*store, binary, binary).ok());
  }
  auto reopened = openStore(dir, GetParam());
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(get(*reopened, "a"), "one");
  EXPECT_EQ(get(*reopened, "b"), std::nullopt);
  EXPECT_EQ(get(*reopened, std::string("\0\x01\xff", 3)), std::string("\0\x01\xff", 3));
  EXPECT_EQ(reopened->stats().keys, 2u);
}

TEST(StoreTest, ScanReturnsKeysInOrderWithinTheRangeAndLimit) {
  auto store = openStore(freshDir("scan"), SyncMode::kNone);
  for (const char* key : {"b", "a", "ab", "abc", "b\xff", "c", "\xff\xff"}) {
    ASSERT_TRUE(put(*store, key, absl::StrCat("v-", key)).ok());
  }
  bool more = false;
  auto all = store->scan("", std::nullopt, 100, SIZE_MAX, &more);
  std::vector<std::string> keys;
  for (auto& [k, v] : all) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "ab", "abc", "b", "b\xff", "c", "\xff\xff"}));
  EXPECT_FALSE(more);

  auto range = store->scan("ab", "b\xff", 100, SIZE_MAX, &more);
  ASSERT_EQ(range.size(), 3u);
  EXPECT_EQ(range[0], std::make_pair(std::string("ab"), std::string("v-ab")));
  EXPECT_EQ(range[2].first, "b");

  auto limited = store->scan("a", std::nullopt, 2, SIZE_MAX, &more);
  EXPECT_EQ(limited.size(), 2u);
  EXPECT_TRUE(more);

  const auto prefixEnd = Store::prefixEnd("a");
  auto prefixed = store->scan("a", *prefixEnd, 100, SIZE_MAX, &more);
  EXPECT_EQ(prefixed.size(), 3u);
  EXPECT_EQ(Store::prefixEnd("b\xff"), "c");
  EXPECT_EQ(Store::prefixEnd("\xff\xff"), std::nullopt);
  EXPECT_EQ(Store::prefixEnd(""), std::nullopt);

  auto byBytes = store->scan("", std::nullopt, 100, 1, &more);
  EXPECT_EQ(byBytes.size(), 1u) << "at least one entry, then the byte budget stops it";
  EXPECT_TRUE(more);
}

TEST(StoreTest, CompareAndSetChecksTheCurrentValue) {
  auto store = openStore(freshDir("cas"));
  auto cas = [&](std::optional<std::string> expected, std::optional<std::string> desired) {
    WriteBatch batch;
    batch.compareAndSet("k", std::move(expected), std::move(desired));
    Written w = writeAndWait(*store, std::move(batch));
    EXPECT_TRUE(w.status.ok());
    return w.batch.ops()[0];
  };
  EXPECT_EQ(cas(std::nullopt, "v1").outcome, WriteOp::Outcome::kApplied);
  WriteOp failed = cas(std::nullopt, "v2");
  EXPECT_EQ(failed.outcome, WriteOp::Outcome::kConditionFailed);
  EXPECT_EQ(failed.current, "v1");
  failed = cas("wrong", "v2");
  EXPECT_EQ(failed.outcome, WriteOp::Outcome::kConditionFailed);
  EXPECT_EQ(failed.current, "v1");
  EXPECT_EQ(cas("v1", "v2").outcome, WriteOp::Outcome::kApplied);
  EXPECT_EQ(get(*store, "k"), "v2");
  EXPECT_EQ(cas("v2", std::nullopt).outcome, WriteOp::Outcome::kApplied);
  EXPECT_EQ(get(*store, "k"), std::nullopt);
  failed = cas("v2", "v3");
  EXPECT_EQ(failed.outcome, WriteOp::Outcome::kConditionFailed);
  EXPECT_FALSE(failed.existed);
}

// Each APPEND of one byte to a 2 MiB value logs the whole new value: 70 of
// them in one batch made a 140 MiB record, past what the log format allows
// (an assertion in debug builds; in release a record that recovery takes
// for corruption, losing every later write).
TEST(StoreTest, ABatchWhoseEffectsOutgrowOneLogRecordIsRefusedAndTheStoreGoesOn) {
  const std::string dir = freshDir("amplified");
  const std::string big(2 << 20, 'b');
  {
    auto store = openStore(dir, SyncMode::kNone);
    ASSERT_TRUE(put(*store, "big", big).ok());
    WriteBatch appends;
    appends.put("small", "s");
    for (int i = 0; i < 70; ++i) appends.op(WriteOp::Kind::kAppend, "big").value = "y";
    ASSERT_TRUE(appends.validate().ok()) << "the batch itself is small";
    const Written w = writeAndWait(*store, std::move(appends));
    EXPECT_EQ(w.status.code(), absl::StatusCode::kResourceExhausted) << w.status;
    EXPECT_EQ(get(*store, "big"), big) << "none of the batch was applied";
    EXPECT_EQ(get(*store, "small"), std::nullopt);
    // The next batches, in the same group or not, are unaffected.
    WriteBatch few;
    for (int i = 0; i < 3; ++i) few.op(WriteOp::Kind::kAppend, "big").value = "y";
    EXPECT_TRUE(writeAndWait(*store, std::move(few)).status.ok());
    ASSERT_TRUE(put(*store, "after", "a").ok());
  }
  auto reopened = openStore(dir, SyncMode::kNone);
  EXPECT_EQ(get(*reopened, "big"), big + "yyy");
  EXPECT_EQ(get(*reopened, "after"), "a") << "a write after the refused batch was lost";
}

TEST(StoreTest, IncrementAcceptsOnlyCanonicalIntegersAndRefusesToOverflow) {
  auto store = openStore(freshDir("incr"), SyncMode::kNone);
  auto incr = [&](const std::string& key, int64_t delta) {
    WriteBatch batch;
    batch.increment(key, delta);
    return writeAndWait(*store, std::move(batch)).batch.ops()[0];
  };
  WriteOp op = incr("n", 1);
  EXPECT_EQ(op.outcome, WriteOp::Outcome::kApplied);
  EXPECT_EQ(op.number, 1);
  EXPECT_EQ(incr("n", 41).number, 42);
  EXPECT_EQ(get(*store, "n"), "42");
  EXPECT_EQ(incr("n", -50).number, -8);
  for (const char* bad : {"abc", "007", "-0", " 1", "+1", "1.5", "", "99999999999999999999"}) {
    ASSERT_TRUE(put(*store, "bad", bad).ok());
    EXPECT_EQ(incr("bad", 1).outcome, WriteOp::Outcome::kNotAnInteger) << "'" << bad << "'";
    EXPECT_EQ(get(*store, "bad"), bad) << "a refused increment changes nothing";
  }
  ASSERT_TRUE(put(*store, "max", "9223372036854775807").ok());
  EXPECT_EQ(incr("max", 1).outcome, WriteOp::Outcome::kOverflow);
  EXPECT_EQ(get(*store, "max"), "9223372036854775807");
}

TEST(StoreTest, ConditionsSeeEarlierOpsOfTheSameBatch) {
  auto store = openStore(freshDir("batch"));
  WriteBatch batch;
  batch.put("a", "1");
  batch.compareAndSet("a", "1", "2");
  batch.increment("n", 5);
  batch.increment("n", 5);
  batch.remove("a");
  batch.compareAndSet("a", std::nullopt, "3");
  Written w = writeAndWait(*store, std::move(batch));
  ASSERT_TRUE(w.status.ok());
  for (const WriteOp& op : w.batch.ops()) EXPECT_EQ(op.outcome, WriteOp::Outcome::kApplied);
  EXPECT_TRUE(w.batch.ops()[4].existed);
  EXPECT_EQ(w.batch.ops()[3].number, 10);
  EXPECT_EQ(get(*store, "a"), "3");
  EXPECT_EQ(get(*store, "n"), "10");
}

TEST(StoreTest, OversizedKeysAndValuesAreRejectedWholeBatch) {
  auto store = openStore(freshDir("limits"));
  WriteBatch batch;
  batch.put("fine", "v");
  batch.put(std::string(kMaxKeySize + 1, 'k'), "v");
  Written w = writeAndWait(*store, std::move(batch));
  EXPECT_EQ(w.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(get(*store, "fine"), std::nullopt);
  WriteBatch big;
  big.put("k", std::string(kMaxValueSize + 1, 'v'));
  EXPECT_EQ(writeAndWait(*store, std::move(big)).status.code(), absl::StatusCode::kInvalidArgument);
  // Exactly at the limits is fine.
  EXPECT_TRUE(put(*store, std::string(kMaxKeySize, 'k'), std::string(kMaxValueSize, 'v')).ok());
}

TEST(StoreTest, ConcurrentIncrementsFromManyThreadsAreAtomic) {
  auto store = openStore(freshDir("atomic"));
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::atomic<int> acked{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        WriteBatch batch;
        batch.increment("counter", 1);
        store->write(std::move(batch), [&](absl::Status s, WriteBatch&) {
          EXPECT_TRUE(s.ok());
          acked.fetch_add(1);
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (acked.load() < kThreads * kPerThread && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(acked.load(), kThreads * kPerThread);
  EXPECT_EQ(get(*store, "counter"), std::to_string(kThreads * kPerThread));
  const Store::Stats stats = store->stats();
  EXPECT_LT(stats.groups, stats.batches) << "group commit shares fsyncs between writes";
}

TEST(StoreTest, AnAcknowledgedWriteIsVisibleToEveryLaterReadAndValuesNeverGoBack) {
  auto store = openStore(freshDir("visibility"));
  constexpr int kWriters = 4;
  constexpr int kWrites = 150;
  std::atomic<bool> done{false};
  std::atomic<int> violations{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      std::vector<int64_t> lastSeen(kWriters, -1);
      while (!done.load()) {
        for (int w = 0; w < kWriters; ++w) {
          std::string value;
          if (!store->get(absl::StrCat("w", w), &value)) continue;
          const int64_t v = std::stoll(value);
          if (v < lastSeen[w]) violations.fetch_add(1);
          lastSeen[w] = v;
        }
      }
    });
  }
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      const std::string key = absl::StrCat("w", w);
      for (int i = 0; i < kWrites; ++i) {
        ASSERT_TRUE(put(*store, key, std::to_string(i)).ok());
        // Acknowledged: every read from now on, from any thread, sees it.
        std::string value;
        ASSERT_TRUE(store->get(key, &value));
        ASSERT_EQ(value, std::to_string(i));
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(violations.load(), 0) << "a reader saw a key's value go backwards";
}

TEST(StoreTest, ReplayRebuildsExactlyTheStateConcurrentWritersLeft) {
  const std::string dir = freshDir("replay");
  std::vector<std::pair<std::string, std::string>> before;
  {
    auto store = openStore(dir);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 100; ++i) {
          WriteBatch batch;
          batch.put(absl::StrCat("k", i % 10), absl::StrCat("t", t, "-", i));
          if (i % 7 == 0) batch.remove(absl::StrCat("k", (i + 3) % 10));
          if (i % 5 == 0) batch.increment("n", t + 1);
          ASSERT_TRUE(writeAndWait(*store, std::move(batch)).status.ok());
        }
      });
    }
    for (auto& t : threads) t.join();
    before = everything(*store);
  }
  auto reopened = openStore(dir);
  EXPECT_EQ(everything(*reopened), before) << "the log's order is the order of application";
}

TEST(StoreTest, ATornFinalRecordIsCutOffAndTheStoreAppendsAfterIt) {
  const std::string dir = freshDir("torn");
  {
    auto store = openStore(dir);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(put(*store, absl::StrCat("k", i), "v").ok());
  }
  const std::string log = onlyLog(dir);
  const auto size = fs::file_size(log);
  fs::resize_file(log, size - 3);  // the last record loses its tail
  {
    auto store = openStore(dir);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->stats().keys, 9u);
    EXPECT_EQ(get(*store, "k8"), "v");
    EXPECT_EQ(get(*store, "k9"), std::nullopt);
    ASSERT_TRUE(put(*store, "after", "ok").ok());
  }
  auto store = openStore(dir);
  EXPECT_EQ(store->stats().keys, 10u);
  EXPECT_EQ(get(*store, "after"), "ok") << "what follows the cut is read back";
}

TEST(StoreTest, AFlippedByteRecoversToTheLastGoodRecord) {
  const std::string dir = freshDir("flipped");
  uint64_t sizeBeforeLast = 0;
  {
    auto store = openStore(dir);
    for (int i = 0; i < 10; ++i) {
      // The records' end (the file runs on into reserved zeros until closed).
      if (i == 9) sizeBeforeLast = store->stats().logBytes;
      ASSERT_TRUE(put(*store, absl::StrCat("k", i), std::string(50, 'v')).ok());
    }
  }
  const std::string log = onlyLog(dir);
  {
    std::fstream f(log, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(sizeBeforeLast + 30));
    f.put('X');
  }
  auto store = openStore(dir);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->stats().keys, 9u);
  EXPECT_EQ(get(*store, "k9"), std::nullopt);
  EXPECT_EQ(fs::file_size(log), sizeBeforeLast) << "the bad record is truncated away";
}

TEST(StoreTest, AFlippedByteMidLogIsRefusedNamingTheFileTheOffsetAndWhatFollows) {
  const std::string dir = freshDir("midflip");
  std::vector<uint64_t> offsets;
  {
    auto store = openStore(dir);
    for (int i = 0; i < 10; ++i) {
      offsets.push_back(store->stats().logBytes);  // where the next record starts
      ASSERT_TRUE(put(*store, absl::StrCat("k", i), std::string(50, 'v')).ok());
    }
  }
  const std::string log = onlyLog(dir);
  const auto size = fs::file_size(log);
  {
    std::fstream f(log, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offsets[5] + 20));
    f.put('X');
  }
  Store::Options options;
  options.dir = dir;
  auto store = Store::open(options);
  ASSERT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
  const std::string message(store.status().message());
  EXPECT_NE(message.find(log), std::string::npos) << message;
  EXPECT_NE(message.find(absl::StrCat("offset ", offsets[5])), std::string::npos) << message;
  EXPECT_NE(message.find("4 valid records"), std::string::npos) << message;
  EXPECT_NE(message.find("--repair"), std::string::npos) << message;
  EXPECT_EQ(fs::file_size(log), size) << "nothing is cut";
}

TEST(StoreTest, ADamagedTailOnALogThatIsNotTheLastIsRefused) {
  const std::string dir = freshDir("damaged_older_log");
  std::string first;
  for (int i = 0; i < 3; ++i) {
    const size_t start = log::beginRecord(&first);
    log::appendPut(&first, absl::StrCat("a", i), "1");
    log::finishRecord(&first, start, log::RecordType::kMutations);
  }
  std::string second = first;
  first.append(16, '\0');  // a zero-filled tail: harmless only at the very end
  fs::create_directories(dir);
  std::ofstream(dir + "/log-000000000001", std::ios::binary) << first;
  std::ofstream(dir + "/log-000000000002", std::ios::binary) << second;
  Store::Options options;
  options.dir = dir;
  auto store = Store::open(options);
  ASSERT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
  EXPECT_NE(store.status().message().find("log-000000000001"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir + "/log-000000000002")) << "the later log is not set aside";
}

// A log as a power loss leaves it when the writer had reserved space ahead
// (LogWriter.h): the header, `records` puts k0, k1, ... and `zeros` zero
// bytes. *offsets gets where each record starts.
std::string reservedLog(int records, size_t zeros, std::vector<uint64_t>* offsets = nullptr) {
  std::string bytes;
  log::appendFileHeader(&bytes);
  for (int i = 0; i < records; ++i) {
    if (offsets != nullptr) offsets->push_back(bytes.size());
    const size_t start = log::beginRecord(&bytes);
    log::appendPut(&bytes, absl::StrCat("k", i), std::string(40, 'v'));
    log::finishRecord(&bytes, start, log::RecordType::kMutations);
  }
  bytes.append(zeros, '\0');
  return bytes;
}

std::string writeLog(const std::string& dir, const std::string& bytes) {
  fs::create_directories(dir);
  const std::string path = dir + "/log-000000000001";
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(StoreTest, ZerosAfterTheLastRecordAreReservedSpaceTrimmedAtStartAndAppendedOver) {
  const std::string dir = freshDir("reserved_tail");
  const std::string records = reservedLog(3, 0);
  const std::string path = writeLog(dir, reservedLog(3, 100000));
  {
    auto store = openStore(dir);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->stats().keys, 3u);
    EXPECT_EQ(store->stats().logBytes, records.size());
    ASSERT_TRUE(put(*store, "after", "ok").ok());
  }
  EXPECT_GT(fs::file_size(path), records.size());
  auto store = openStore(dir);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->stats().keys, 4u);
  EXPECT_EQ(get(*store, "after"), "ok") << "appended at the end of the records, not the zeros";
  EXPECT_EQ(get(*store, "k2"), std::string(40, 'v'));
}

TEST(StoreTest, ATornRecordInsideReservedSpaceIsATornTail) {
  const std::string dir = freshDir("reserved_torn");
  std::vector<uint64_t> offsets;
  std::string bytes = reservedLog(4, 0, &offsets);
  bytes.resize(offsets[3] + 20);  // the last record half written ...
  bytes.append(50000, '\0');      // ... into the zeros
  const std::string path = writeLog(dir, bytes);
  auto store = openStore(dir);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->stats().keys, 3u);
  EXPECT_EQ(get(*store, "k3"), std::nullopt);
  EXPECT_EQ(fs::file_size(path), offsets[3]) << "cut at the torn record";
}

TEST(StoreTest, ACorruptRecordFollowedByValidOnesInsideReservedSpaceIsRefusedAndRepaired) {
  const std::string dir = freshDir("reserved_corrupt");
  std::vector<uint64_t> offsets;
  std::string bytes = reservedLog(5, 50000, &offsets);
  bytes[offsets[1] + 15] ^= 0x40;
  const std::string path = writeLog(dir, bytes);
  Store::Options options;
  options.dir = dir;
  auto store = Store::open(options);
  ASSERT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
  const std::string message(store.status().message());
  EXPECT_NE(message.find(absl::StrCat("offset ", offsets[1])), std::string::npos) << message;
  EXPECT_NE(message.find("3 valid records"), std::string::npos) << message;
  EXPECT_EQ(fs::file_size(path), bytes.size()) << "nothing is cut";

  absl::StatusOr<std::string> report = Store::repair(options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_NE(report->find("kept 4 records"), std::string::npos) << *report;
  EXPECT_NE(
      report->find(absl::StrCat("offset ", offsets[1], ", ", offsets[2] - offsets[1], " bytes")),
      std::string::npos)
      << "only the bad record is dropped; the zeros are no data: " << *report;
  auto repaired = openStore(dir);
  ASSERT_NE(repaired, nullptr);
  EXPECT_EQ(repaired->stats().keys, 4u);
  EXPECT_EQ(get(*repaired, "k1"), std::nullopt);
  EXPECT_EQ(get(*repaired, "k4"), std::string(40, 'v'));
}

TEST(StoreTest, AZeroedRecordFollowedByValidOnesIsDamageNotReservedSpace) {
  const std::string dir = freshDir("reserved_hole");
  std::vector<uint64_t> offsets;
  std::string bytes = reservedLog(5, 50000, &offsets);
  std::fill(bytes.begin() + static_cast<ptrdiff_t>(offsets[2]),
            bytes.begin() + static_cast<ptrdiff_t>(offsets[3]), '\0');
  const std::string path = writeLog(dir, bytes);
  Store::Options options;
  options.dir = dir;
  auto store = Store::open(options);
  ASSERT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
  EXPECT_NE(store.status().message().find("2 valid records"), std::string::npos) << store.status();
  EXPECT_EQ(fs::file_size(path), bytes.size()) << "nothing is cut";
}

TEST(StoreTest, RepairTrimsReservedSpaceAndCallsItNoData) {
  const std::string dir = freshDir("reserved_repair");
  const std::string records = reservedLog(3, 0);
  const std::string path = writeLog(dir, reservedLog(3, 70000));
  Store::Options options;
  options.dir = dir;
  absl::StatusOr<std::string> report = Store::repair(options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_NE(report->find("trimmed 70000 bytes of zeros"), std::string::npos) << *report;
  EXPECT_FALSE(fs::exists(path + ".corrupt")) << "nothing was damaged";
  EXPECT_EQ(fs::file_size(path), records.size());
  auto store = openStore(dir);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->stats().keys, 3u);
}

TEST(StoreTest, ALogOfAnUnknownNewerFormatVersionIsRefused) {
  const std::string dir = freshDir("newer_version");
  fs::create_directories(dir);
  std::string bytes("\x89MKV", 4);
  bytes += std::string("\x63\0\0\0", 4);  // version 99
  const size_t start = log::beginRecord(&bytes);
  log::appendPut(&bytes, "k", "v");
  log::finishRecord(&bytes, start, log::RecordType::kMutations);
  const std::string path = dir + "/log-000000000001";
  std::ofstream(path, std::ios::binary) << bytes;
  Store::Options options;
  options.dir = dir;
  auto store = Store::open(options);
  ASSERT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
  const std::string message(store.status().message());
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("version 99"), std::string::npos) << message;
  EXPECT_NE(message.find("version 1"), std::string::npos) << message;
  EXPECT_EQ(fs::file_size(path), bytes.size()) << "the file is left alone";
}

TEST(StoreTest, RepairKeepsEveryValidRecordAndTheOriginalAndSaysWhatItDropped) {
  const std::string dir = freshDir("repair");
  std::vector<uint64_t> offsets;
  {
    auto store = openStore(dir);
    for (int i = 0; i < 10; ++i) {
      offsets.push_back(store->stats().logBytes);  // where the next record starts
      ASSERT_TRUE(put(*store, absl::StrCat("k", i), std::string(50, 'v')).ok());
    }
  }
  const std::string log = onlyLog(dir);
  {
    std::fstream f(log, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offsets[5] + 20));
    f.put('X');
  }
  const auto damagedSize = fs::file_size(log);
  Store::Options options;
  options.dir = dir;
  absl::StatusOr<std::string> report = Store::repair(options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_NE(report->find(absl::StrCat("offset ", offsets[5], ", ", offsets[6] - offsets[5],
                                      " bytes: the record at offset ", offsets[5],
                                      " fails its checksum")),
            std::string::npos)
      << *report;
  EXPECT_NE(report->find("kept 9 records"), std::string::npos) << *report;
  EXPECT_EQ(fs::file_size(log + ".corrupt"), damagedSize) << "the original is kept whole";
  auto store = openStore(dir);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->stats().keys, 9u);
  EXPECT_EQ(get(*store, "k5"), std::nullopt);
  EXPECT_EQ(get(*store, "k9"), std::string(50, 'v')) << "records after the damage are kept";
  store.reset();
  report = Store::repair(options);
  ASSERT_TRUE(report.ok());
  EXPECT_NE(report->find("nothing to repair"), std::string::npos) << *report;
}

TEST(StoreTest, NewLogsStartWithTheMagicAndVersionAndHeaderlessLogsStillOpen) {
  const std::string dir = freshDir("header");
  {
    auto store = openStore(dir);
    ASSERT_TRUE(put(*store, "k", "v").ok());
  }
  std::ifstream in(onlyLog(dir), std::ios::binary);
  char header[log::kFileHeaderSize];
  in.read(header, sizeof header);
  std::string expected;
  log::appendFileHeader(&expected);
  EXPECT_EQ(std::string(header, sizeof header), expected);

  // A log as the code before the header wrote it (version 0).
  const std::string legacy = freshDir("legacy");
  fs::create_directories(legacy);
  std::string bytes;
  const size_t start = log::beginRecord(&bytes);
  log::appendPut(&bytes, "old", "1");
  log::finishRecord(&bytes, start, log::RecordType::kMutations);
  std::ofstream(legacy + "/log-000000000001", std::ios::binary) << bytes;
  {
    auto store = openStore(legacy);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(get(*store, "old"), "1");
    ASSERT_TRUE(put(*store, "new", "2").ok()) << "appended to the legacy log as it is";
  }
  auto store = openStore(legacy);
  EXPECT_EQ(get(*store, "old"), "1");
  EXPECT_EQ(get(*store, "new"), "2");
}

TEST(StoreTest, CompactionKeepsEveryKeyAndShrinksTheLogs) {
  const std::string dir = freshDir("compaction");
  std::map<std::string, std::string> expected;
  {
    auto store = openStore(dir, SyncMode::kBatch, /*compactionMinBytes=*/64 << 10);
    for (int round = 0; round < 30; ++round) {
      WriteBatch batch;
      for (int k = 0; k < 50; ++k) {
        const std::string key = absl::StrCat("key", k);
        const std::string value = absl::StrCat(round, std::string(100, 'x'));
        batch.put(key, value);
        expected[key] = value;
      }
      if (round % 3 == 0) {
        batch.remove(absl::StrCat("key", round));
        expected.erase(absl::StrCat("key", round));
      }
      ASSERT_TRUE(writeAndWait(*store, std::move(batch)).status.ok());
      // Reads go on while compaction runs.
      EXPECT_EQ(get(*store, "key49"), expected["key49"]);
    }
    store->waitForCompaction();
    // A compaction that was still running when the last writes came in
    // leaves the log they wrote (a loaded machine sees this): the next write
    // starts the next compaction.
    for (int i = 0; i < 5 && store->stats().logBytes >= (64u << 10); ++i) {
      ASSERT_TRUE(put(*store, "key49", expected["key49"]).ok());
      store->waitForCompaction();
    }
    const Store::Stats stats = store->stats();
    EXPECT_GE(stats.compactions, 1u);
    EXPECT_LT(stats.logBytes, 64u << 10);
    for (const auto& [k, v] : expected) ASSERT_EQ(get(*store, k), v) << k;
    EXPECT_EQ(stats.keys, expected.size());
  }
  int snapshots = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().starts_with("snapshot-")) ++snapshots;
  }
  EXPECT_EQ(snapshots, 1) << "the old snapshot goes once the new one is in place";
  auto reopened = openStore(dir);
  std::vector<std::pair<std::string, std::string>> want(expected.begin(), expected.end());
  EXPECT_EQ(everything(*reopened), want);
}

TEST(StoreTest, LogsThatOutgrewTheLiveDataAreCompactedAtStartWithoutWaitingForAWrite) {
  const std::string dir = freshDir("compact_at_start");
  {
    auto store = openStore(dir, SyncMode::kNone);  // the default threshold: no compaction
    for (int i = 0; i < 400; ++i) {
      ASSERT_TRUE(put(*store, absl::StrCat("k", i % 10), std::string(200, 'a' + i % 26)).ok());
    }
    EXPECT_EQ(store->stats().compactions, 0u);
  }
  auto store = openStore(dir, SyncMode::kBatch, /*compactionMinBytes=*/16 << 10);
  ASSERT_NE(store, nullptr);
  store->waitForCompaction();
  const Store::Stats stats = store->stats();
  EXPECT_EQ(stats.compactions, 1u) << "a restart-heavy, read-only server still compacts";
  EXPECT_LT(stats.logBytes, 1024u);
  EXPECT_EQ(stats.keys, 10u);
  store.reset();
  auto reopened = openStore(dir);
  EXPECT_EQ(get(*reopened, "k9"), std::string(200, 'a' + 399 % 26));
}

// The states a crash during compaction leaves, built by hand: each must
// recover to the same data.
class CompactionCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = freshDir("crash_window");
    auto dataDir = DataDir::open(Env::posix(), dir_);
    ASSERT_TRUE(dataDir.ok());
    dataDir_ = std::move(*dataDir);
  }

  void writeLog(uint64_t generation, const std::vector<std::pair<std::string, std::string>>& puts) {
    std::string bytes;
    for (const auto& [k, v] : puts) {
      const size_t start = log::beginRecord(&bytes);
      log::appendPut(&bytes, k, v);
      log::finishRecord(&bytes, start, log::RecordType::kMutations);
    }
    auto file =
        Env::posix()->openWritable(dataDir_->logPath(generation), WritableFile::Mode::kCreateNew);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->append(bytes).ok());
  }

  void writeSnapshotOf(uint64_t generation, std::vector<uint64_t> logs) {
    Table table;
    for (uint64_t g : logs) ASSERT_TRUE(replayLog(Env::posix(), dataDir_->logPath(g), &table).ok());
    ASSERT_TRUE(
        writeSnapshot(Env::posix(), table, dataDir_->snapshotPath(generation), nullptr).ok());
  }

  void expectRecovered() {
    dataDir_.reset();  // unlock
    auto store = openStore(dir_);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(get(*store, "a"), "3");
    EXPECT_EQ(get(*store, "b"), "2");
    EXPECT_EQ(get(*store, "c"), "4");
    EXPECT_EQ(store->stats().keys, 3u);
    for (const auto& entry : fs::directory_iterator(dir_)) {
      EXPECT_FALSE(entry.path().filename().string().ends_with(".tmp")) << entry.path();
    }
  }

  std::string dir_;
  std::unique_ptr<DataDir> dataDir_;
};

TEST_F(CompactionCrashTest, LogRolledButNoSnapshotYet) {
  writeLog(1, {{"a", "1"}, {"b", "2"}});
  writeLog(2, {{"a", "3"}, {"c", "4"}});
  expectRecovered();
}

TEST_F(CompactionCrashTest, SnapshotHalfWritten) {
  writeLog(1, {{"a", "1"}, {"b", "2"}});
  writeLog(2, {{"a", "3"}, {"c", "4"}});
  std::ofstream(dataDir_->tempSnapshotPath(2)) << "partial garbage";
  expectRecovered();
}

TEST_F(CompactionCrashTest, SnapshotInPlaceButOldLogNotYetDeleted) {
  writeLog(1, {{"a", "1"}, {"b", "2"}});
  writeSnapshotOf(2, {1});
  writeLog(2, {{"a", "3"}, {"c", "4"}});
  expectRecovered();
  EXPECT_FALSE(fs::exists(dir_ + "/log-000000000001")) << "the covered log is cleaned up";
}

TEST_F(CompactionCrashTest, ACorruptSnapshotRefusesToStart) {
  writeLog(1, {{"a", "1"}});
  writeSnapshotOf(2, {1});
  fs::resize_file(dataDir_->snapshotPath(2), fs::file_size(dataDir_->snapshotPath(2)) - 1);
  dataDir_.reset();
  Store::Options options;
  options.dir = dir_;
  auto store = Store::open(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(CompactionCrashTest, ACorruptSnapshotIsRefusedAndRepairKeepsItsValidRecords) {
  writeLog(1, {{"a", "1"}, {"b", "2"}});
  writeSnapshotOf(2, {1});
  writeLog(2, {{"a", "3"}, {"c", "4"}});
  const std::string snapshot = dataDir_->snapshotPath(2);
  {
    std::fstream f(snapshot, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(log::kFileHeaderSize + 12));  // inside the first record
    f.put('X');
  }
  dataDir_.reset();
  Store::Options options;
  options.dir = dir_;
  auto refused = Store::open(options);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(refused.status().message().find(snapshot), std::string::npos) << refused.status();
  EXPECT_NE(refused.status().message().find("--repair"), std::string::npos) << refused.status();
  absl::StatusOr<std::string> report = Store::repair(options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_NE(report->find(snapshot + ": kept 0 records"), std::string::npos) << *report;
  EXPECT_TRUE(fs::exists(snapshot + ".corrupt"));
  auto store = openStore(dir_);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(get(*store, "a"), "3") << "the log after the snapshot still applies";
  EXPECT_EQ(get(*store, "b"), std::nullopt) << "b lived only in the damaged record";
}

TEST(StoreTest, ASecondStoreOnTheSameDirectoryIsRefused) {
  const std::string dir = freshDir("lock");
  auto first = openStore(dir);
  Store::Options options;
  options.dir = dir;
  auto second = Store::open(options);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_P(StoreModeTest, WritesAfterCloseAreRefusedAndReadsStillWork) {
  auto store = openStore(freshDir("closed"), GetParam());
  ASSERT_TRUE(put(*store, "k", "v").ok());
  store->close();
  EXPECT_EQ(put(*store, "k2", "v").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(get(*store, "k"), "v");
}

TEST(StoreTest, CloseFinishesEveryAcceptedWrite) {
  const std::string dir = freshDir("drain");
  std::atomic<int> ok{0};
  {
    auto store = openStore(dir);
    for (int i = 0; i < 500; ++i) {
      WriteBatch batch;
      batch.put(absl::StrCat("k", i), "v");
      store->write(std::move(batch), [&](absl::Status s, WriteBatch&) {
        if (s.ok()) ok.fetch_add(1);
      });
    }
    store->close();
    EXPECT_EQ(ok.load(), 500);
  }
  auto store = openStore(dir);
  EXPECT_EQ(store->stats().keys, 500u);
}

}  // namespace
}  // namespace muduo::kv
