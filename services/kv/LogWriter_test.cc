#include "services/kv/LogWriter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include "services/kv/DataDir.h"
#include "services/kv/Recovery.h"
#include "services/kv/testing/FaultInjectionEnv.h"
#include "services/kv/testing/SyncGate.h"
#include "services/kv/testing/TestLog.h"

namespace muduo::kv {
namespace {

namespace fs = std::filesystem;
using Op = FaultInjectionEnv::Op;
using namespace std::chrono_literals;

using testing::putRecord;

class LogWriterTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = testing::freshTestDir("logwriter"); }

  // Opens the directory and continues what recovery finds in it.
  std::unique_ptr<LogWriter> open(SyncMode sync, Table* table = nullptr,
                                  LogWriter::Options options = {}) {
    auto dir = DataDir::open(&env_, path_);
    EXPECT_TRUE(dir.ok()) << dir.status();
    dir_ = std::move(*dir);
    auto state = recoverDirectory(&env_, *dir_);
    EXPECT_TRUE(state.ok()) << state.status();
    if (table != nullptr) *table = std::move(state->table);
    return std::make_unique<LogWriter>(dir_.get(), sync, std::move(state->log), state->snapshot,
                                       std::move(state->logs), state->logBytes, std::move(options));
  }

  // The machine loses power now: whatever no completed sync covers is gone.
  // Then reads back what a restart would find.
  Table powerLossAndRecover(std::unique_ptr<LogWriter> writer) {
    env_.crashAfter(1, 0);
    writer->close();  // its sync fails: the machine is off
    writer.reset();
    dir_.reset();
    EXPECT_TRUE(env_.simulatePowerLoss().ok());
    Table table;
    open(SyncMode::kNone, &table)->close();
    return table;
  }

  // Closes the writer and reads back what a restart finds (no power loss).
  Table closeAndRecover(std::unique_ptr<LogWriter> writer) {
    writer->close();
    writer.reset();
    dir_.reset();
    Table table;
    open(SyncMode::kAlways, &table)->close();
    return table;
  }

  void injectOnce(Op op, int error, bool shortWrite = false) {
    FaultInjectionEnv::Fault fault;
    fault.op = op;
    fault.error = error;
    fault.shortWrite = shortWrite;
    fault.once = true;
    fault.match = [](const std::string& path) { return path.find("/log-") != std::string::npos; };
    env_.inject(fault);
  }

  FaultInjectionEnv env_;
  std::string path_;
  std::unique_ptr<DataDir> dir_;
};

TEST_F(LogWriterTest, AppendedRecordsAreCountedAndReplayedAfterAReopen) {
  auto writer = open(SyncMode::kBatch);
  const uint64_t header = writer->logBytes();
  EXPECT_GT(header, 0u) << "a new log starts with its file header";
  const std::string a = putRecord("a", "1");
  const std::string b = putRecord("b", "2");
  ASSERT_TRUE(writer->append(a).ok());
  ASSERT_TRUE(writer->append(b).ok());
  EXPECT_EQ(writer->logBytes(), header + a.size() + b.size());
  EXPECT_TRUE(writer->close());
  EXPECT_FALSE(writer->close()) << "idempotent";
  writer.reset();
  dir_.reset();

  Table table;
  writer = open(SyncMode::kBatch, &table);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(writer->logBytes(), header + a.size() + b.size());
}

TEST_F(LogWriterTest, AShortWriteIsCutBackAnsweredNotAppliedAndFailsTheLogForGood) {
  auto writer = open(SyncMode::kBatch);
  ASSERT_TRUE(writer->append(putRecord("before", "1")).ok());
  const uint64_t before = writer->logBytes();  // the records' end, before the reserved zeros
  injectOnce(Op::kAppend, ENOSPC, /*shortWrite=*/true);
  const absl::Status failed = writer->append(putRecord("failed", std::string(200, 'x')));
  EXPECT_EQ(failed.code(), absl::StatusCode::kInternal) << failed;
  EXPECT_EQ(fs::file_size(dir_->logPath(1)), before)
      << "the half record is cut off, and the reserved zeros with it";
  EXPECT_EQ(writer->health().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(writer->writable().code(), absl::StatusCode::kUnavailable);
  const absl::Status later = writer->append(putRecord("later", "2"));
  EXPECT_EQ(later.code(), absl::StatusCode::kUnavailable) << later;
  EXPECT_EQ(fs::file_size(dir_->logPath(1)), before);
}

TEST_F(LogWriterTest, AFailedSyncMakesTheOutcomeUnknown) {
  auto writer = open(SyncMode::kAlways);
  injectOnce(Op::kSync, EIO);
  const absl::Status failed = writer->append(putRecord("k", "v"));
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnknown) << failed;
  EXPECT_FALSE(writer->health().ok());
}

TEST_F(LogWriterTest, NoneModeDoesNotSyncEachAppend) {
  auto writer = open(SyncMode::kNone);
  injectOnce(Op::kSync, EIO);
  EXPECT_TRUE(writer->append(putRecord("k", "v")).ok());
  EXPECT_TRUE(writer->health().ok());
  EXPECT_EQ(writer->recentSyncMicros(), 0u);
}

TEST_F(LogWriterTest, RotateStartsTheNextLogAndHandsOverTheFinishedOnes) {
  auto writer = open(SyncMode::kBatch);
  const uint64_t header = writer->logBytes();
  ASSERT_TRUE(writer->append(putRecord("a", "1")).ok());
  const uint64_t first = writer->logBytes();
  auto job = writer->rotate();
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->snapshot, std::nullopt);
  EXPECT_EQ(job->logs, std::vector<uint64_t>{1});
  EXPECT_EQ(job->logBytes, first);
  EXPECT_EQ(job->newGeneration, 2u);
  EXPECT_EQ(writer->stats().generation, 2u);
  EXPECT_EQ(writer->logBytes(), first + header) << "both logs count until compacted";
  EXPECT_EQ(fs::file_size(dir_->logPath(1)), first) << "a finished log ends on its last record";
  ASSERT_TRUE(writer->append(putRecord("b", "2")).ok());
  EXPECT_GT(fs::file_size(dir_->logPath(2)), header + putRecord("b", "2").size())
      << "the new log reserves space ahead";
  writer->compacted(*job);
  EXPECT_EQ(writer->logBytes(), header + putRecord("b", "2").size());
  writer->close();
  EXPECT_EQ(fs::file_size(dir_->logPath(2)), header + putRecord("b", "2").size())
      << "close() trims the reserved space";
}

TEST_F(LogWriterTest, AppendsOverwriteReservedZerosInsteadOfGrowingTheFile) {
  LogWriter::Options options;
  options.reserveBytes = 64 << 10;
  auto writer = open(SyncMode::kAlways, nullptr, options);
  const std::string a = putRecord("a", "1");
  ASSERT_TRUE(writer->append(a).ok());
  const uint64_t reserved = fs::file_size(dir_->logPath(1));
  EXPECT_GE(reserved, writer->logBytes() + options.reserveBytes);
  EXPECT_EQ(reserved % 4096, 0u) << "whole blocks";
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(writer->append(a).ok());
  EXPECT_EQ(fs::file_size(dir_->logPath(1)), reserved) << "appends land in the zeros";
  const std::string big = putRecord("big", std::string(200 << 10, 'x'));
  ASSERT_TRUE(writer->append(big).ok());
  EXPECT_GE(fs::file_size(dir_->logPath(1)), writer->logBytes() + options.reserveBytes)
      << "a record larger than what is left is covered whole, with the next reservation after";
  const uint64_t records = writer->logBytes();
  const Table table = closeAndRecover(std::move(writer));
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(fs::file_size(dir_->logPath(1)), records);
}

TEST_F(LogWriterTest, WithoutReservationEachAppendGrowsTheFile) {
  LogWriter::Options options;
  options.reserveBytes = 0;
  auto writer = open(SyncMode::kAlways, nullptr, options);
  ASSERT_TRUE(writer->append(putRecord("a", "1")).ok());
  EXPECT_EQ(fs::file_size(dir_->logPath(1)), writer->logBytes());
}

TEST_F(LogWriterTest, APowerLossLeavesZerosAfterTheRecordsAndTheReopenedLogAppendsAtTheirEnd) {
  LogWriter::Options options;
  options.reserveBytes = 64 << 10;
  auto writer = open(SyncMode::kAlways, nullptr, options);
  ASSERT_TRUE(writer->append(putRecord("a", "1")).ok());
  ASSERT_TRUE(writer->append(putRecord("b", "2")).ok());
  const uint64_t records = writer->logBytes();
  const std::string path = dir_->logPath(1);
  // Power goes as the next group is written: it never reaches the disk.
  env_.crashAfter(1, 7);
  EXPECT_FALSE(writer->append(putRecord("lost", "3")).ok());
  writer->close();
  writer.reset();
  dir_.reset();
  ASSERT_TRUE(env_.simulatePowerLoss().ok());
  EXPECT_GT(fs::file_size(path), records) << "the synced reservation survives";

  Table table;
  writer = open(SyncMode::kAlways, &table, options);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.find("lost"), nullptr);
  EXPECT_EQ(writer->logBytes(), records) << "reopened at the end of the records";
  ASSERT_TRUE(writer->append(putRecord("c", "3")).ok());
  Table after = powerLossAndRecover(std::move(writer));
  EXPECT_EQ(after.size(), 3u);
  EXPECT_NE(after.find("c"), nullptr) << "appended right after b, not after the zeros";
}

TEST_F(LogWriterTest, AFullDiskWhileReservingIsAFailedWriteNotAppliedAndFailsTheLog) {
  LogWriter::Options options;
  options.reserveBytes = 64 << 10;
  auto writer = open(SyncMode::kAlways, nullptr, options);
  ASSERT_TRUE(writer->append(putRecord("a", "1")).ok());
  const uint64_t records = writer->logBytes();
  injectOnce(Op::kReserve, ENOSPC, /*shortWrite=*/true);
  // Larger than what is left: more zeros are reserved after it.
  const absl::Status failed = writer->append(putRecord("b", std::string(100 << 10, 'x')));
  EXPECT_EQ(failed.code(), absl::StatusCode::kInternal) << failed;
  EXPECT_NE(failed.message().find("No space left on device"), std::string::npos) << failed;
  EXPECT_NE(failed.message().find("not applied"), std::string::npos) << failed;
  EXPECT_EQ(fs::file_size(dir_->logPath(1)), records) << "nothing of it stays, zeros included";
  EXPECT_EQ(writer->health().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(writer->append(putRecord("c", "3")).code(), absl::StatusCode::kUnavailable);
  const Table table = closeAndRecover(std::move(writer));
  EXPECT_EQ(table.size(), 1u);
  EXPECT_NE(table.find("a"), nullptr);
}

TEST_F(LogWriterTest, ARotationThatCannotOpenTheNextLogLeavesWritesGoing) {
  auto writer = open(SyncMode::kBatch);
  injectOnce(Op::kOpen, ENOSPC);
  EXPECT_FALSE(writer->rotate().ok());
  EXPECT_TRUE(writer->health().ok());
  EXPECT_TRUE(writer->append(putRecord("k", "v")).ok());
  EXPECT_EQ(writer->stats().generation, 1u);
}

TEST_F(LogWriterTest, AFailedDirectorySyncInARotationFailsTheLog) {
  auto writer = open(SyncMode::kBatch);
  FaultInjectionEnv::Fault fault;
  fault.op = Op::kSyncDir;
  fault.once = true;
  env_.inject(fault);
  EXPECT_FALSE(writer->rotate().ok());
  EXPECT_FALSE(writer->health().ok());
  EXPECT_FALSE(fs::exists(dir_->logPath(2))) << "the new log is removed again";
}

TEST_F(LogWriterTest, AClosedLogRefusesAppends) {
  auto writer = open(SyncMode::kBatch);
  writer->close();
  const absl::Status s = writer->append(putRecord("k", "v"));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_TRUE(writer->health().ok()) << "closing is not a failure";
}

TEST_F(LogWriterTest, AlwaysSyncsEveryAppendAndCountsTheSyncs) {
  auto writer = open(SyncMode::kAlways);
  const uint64_t before = env_.fileSyncs();
  ASSERT_TRUE(writer->append(putRecord("a", "1")).ok());
  ASSERT_TRUE(writer->append(putRecord("b", "2")).ok());
  EXPECT_EQ(env_.fileSyncs(), before + 2);
  EXPECT_EQ(writer->stats().syncs, 2u);
  EXPECT_EQ(powerLossAndRecover(std::move(writer)).size(), 2u);
}

TEST_F(LogWriterTest, EverySecAcknowledgesAfterTheWriteAndASyncCoversWhatCameBeforeIt) {
  auto writer = open(SyncMode::kEverySec);
  const uint64_t before = env_.fileSyncs();
  ASSERT_TRUE(writer->append(putRecord("a", "1")).ok());
  EXPECT_EQ(env_.fileSyncs(), before) << "acknowledged after write(2) alone";
  ASSERT_TRUE(writer->syncWritten().ok());
  EXPECT_EQ(env_.fileSyncs(), before + 1);
  ASSERT_TRUE(writer->syncWritten().ok());
  EXPECT_EQ(env_.fileSyncs(), before + 1) << "nothing written since: no sync";
  ASSERT_TRUE(writer->append(putRecord("b", "2")).ok());
  const LogWriter::Stats stats = writer->stats();
  EXPECT_EQ(stats.backgroundSyncsStarted, 1u);
  EXPECT_EQ(stats.backgroundSyncs, 1u);
  EXPECT_EQ(stats.syncs, 1u);

  const Table table = powerLossAndRecover(std::move(writer));
  EXPECT_EQ(table.map().count("a"), 1u) << "covered by the background sync";
  EXPECT_EQ(table.map().count("b"), 0u) << "written after the last sync: lost with the power";
}

TEST_F(LogWriterTest, ABackgroundSyncCoversWhatCameBeforeItAndAppendsGoOnWhileItRuns) {
  auto writer = open(SyncMode::kEverySec);
  ASSERT_TRUE(writer->append(putRecord("a", "1")).ok());
  SyncGate gate(&env_);
  absl::Status synced;
  std::thread syncer([&] { synced = writer->syncWritten(); });
  ASSERT_TRUE(gate.waitEntered(1, 10s));
  ASSERT_TRUE(writer->append(putRecord("b", "2")).ok()) << "an append never waits for a sync";
  gate.openUp();
  syncer.join();
  EXPECT_TRUE(synced.ok()) << synced;

  const Table table = powerLossAndRecover(std::move(writer));
  EXPECT_EQ(table.map().count("a"), 1u);
  EXPECT_EQ(table.map().count("b"), 0u) << "written after that sync started";
}

// A clock the test moves by hand.
class FakeClock {
 public:
  LogWriter::Clock clock() {
    return [this] {
      return std::chrono::steady_clock::time_point(
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
              std::chrono::nanoseconds(now_.load())));
    };
  }
  void advance(std::chrono::nanoseconds by) { now_ += by.count(); }

 private:
  std::atomic<std::chrono::nanoseconds::rep> now_{0};
};

// Waits (bounded) until an append is postponed behind the background sync.
bool waitPostponed(const LogWriter& writer, uint64_t count) {
  for (int i = 0; i < 10000 && writer.stats().postponedAppends < count; ++i) {
    std::this_thread::sleep_for(1ms);
  }
  return writer.stats().postponedAppends >= count;
}

TEST_F(LogWriterTest, EverySecHoldsAcknowledgementsOnlyOnceASyncLagsPastMaxLag) {
  FakeClock time;
  LogWriter::Options options;
  options.clock = time.clock();
  options.maxLag = 2000ms;
  auto writer = open(SyncMode::kEverySec, nullptr, options);
  ASSERT_TRUE(writer->append(putRecord("a", "1")).ok());
  SyncGate gate(&env_);
  absl::Status synced;
  std::thread syncer([&] { synced = writer->syncWritten(); });  // held, covering a
  ASSERT_TRUE(gate.waitEntered(1, 10s));
  time.advance(1500ms);
  ASSERT_TRUE(writer->append(putRecord("b", "2")).ok()) << "a lags 1.5 s: within the bound";
  EXPECT_EQ(writer->stats().postponedAppends, 0u);

  time.advance(1000ms);  // a, in the sync still running, is now 2.5 s old
  std::atomic<bool> returned{false};
  absl::Status appended;
  std::thread appender([&] {
    appended = writer->append(putRecord("c", "3"));
    returned = true;
  });
  ASSERT_TRUE(waitPostponed(*writer, 1));
  EXPECT_FALSE(returned) << "acknowledged although the oldest unsynced write is 2.5 s old";
  gate.allow(1);  // the sync covering a completes; b (1 s old) is now the oldest
  appender.join();
  syncer.join();
  EXPECT_TRUE(appended.ok()) << appended;
  EXPECT_TRUE(synced.ok()) << synced;
  EXPECT_EQ(writer->stats().postponedAppends, 1u);
  gate.openUp();
}

TEST_F(LogWriterTest, AFailureWhileAnAppendWaitsForALaggingSyncMakesItsOutcomeUnknown) {
  FakeClock time;
  LogWriter::Options options;
  options.clock = time.clock();
  auto writer = open(SyncMode::kEverySec, nullptr, options);
  ASSERT_TRUE(writer->append(putRecord("a", "1")).ok());
  SyncGate gate(&env_);
  std::thread syncer([&] { (void)writer->syncWritten(); });
  ASSERT_TRUE(gate.waitEntered(1, 10s));
  time.advance(3s);
  absl::Status appended;
  std::thread appender([&] { appended = writer->append(putRecord("b", "2")); });
  ASSERT_TRUE(waitPostponed(*writer, 1));
  writer->fail(absl::InternalError("the disk is gone"));
  appender.join();
  EXPECT_EQ(appended.code(), absl::StatusCode::kUnknown) << appended;
  gate.openUp();
  syncer.join();
}

TEST_F(LogWriterTest, AFailedBackgroundSyncFailsTheLogForGoodAndSaysWhatMayBeLost) {
  auto writer = open(SyncMode::kEverySec);
  ASSERT_TRUE(writer->append(putRecord("a", "1")).ok());
  injectOnce(Op::kSync, EIO);
  const absl::Status failed = writer->syncWritten();
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(writer->health().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(writer->health().message().find("background fdatasync"), std::string_view::npos)
      << writer->health();
  const absl::Status later = writer->append(putRecord("b", "2"));
  EXPECT_EQ(later.code(), absl::StatusCode::kUnavailable) << later;
  EXPECT_FALSE(writer->syncWritten().ok());
  EXPECT_EQ(writer->stats().backgroundSyncs, 0u);
}

TEST_F(LogWriterTest, EverySecRotationSyncsTheFinishedLog) {
  auto writer = open(SyncMode::kEverySec);
  ASSERT_TRUE(writer->append(putRecord("a", "1")).ok());
  ASSERT_TRUE(writer->rotate().ok());
  EXPECT_EQ(writer->stats().syncs, 1u);
  const Table table = powerLossAndRecover(std::move(writer));
  EXPECT_EQ(table.map().count("a"), 1u) << "every log but the last is whole on disk";
}

}  // namespace
}  // namespace muduo::kv
