#include "services/kv/LogWriter.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <memory>

#include "services/kv/DataDir.h"
#include "services/kv/Recovery.h"
#include "services/kv/testing/FaultInjectionEnv.h"
#include "services/kv/testing/TestLog.h"

namespace muduo::kv {
namespace {

namespace fs = std::filesystem;
using Op = FaultInjectionEnv::Op;

using testing::putRecord;

class LogWriterTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = testing::freshTestDir("logwriter"); }

  // Opens the directory and continues what recovery finds in it.
  std::unique_ptr<LogWriter> open(SyncMode sync, Table* table = nullptr) {
    auto dir = DataDir::open(&env_, path_);
    EXPECT_TRUE(dir.ok()) << dir.status();
    dir_ = std::move(*dir);
    auto state = recoverDirectory(&env_, *dir_);
    EXPECT_TRUE(state.ok()) << state.status();
    if (table != nullptr) *table = std::move(state->table);
    return std::make_unique<LogWriter>(dir_.get(), sync, std::move(state->log), state->snapshot,
                                       std::move(state->logs), state->logBytes);
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
  const uint64_t before = fs::file_size(dir_->logPath(1));
  injectOnce(Op::kAppend, ENOSPC, /*shortWrite=*/true);
  const absl::Status failed = writer->append(putRecord("failed", std::string(200, 'x')));
  EXPECT_EQ(failed.code(), absl::StatusCode::kInternal) << failed;
  EXPECT_EQ(fs::file_size(dir_->logPath(1)), before) << "the half record is cut off";
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
  ASSERT_TRUE(writer->append(putRecord("b", "2")).ok());
  EXPECT_EQ(fs::file_size(dir_->logPath(2)), header + putRecord("b", "2").size());
  writer->compacted(*job);
  EXPECT_EQ(writer->logBytes(), header + putRecord("b", "2").size());
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

}  // namespace
}  // namespace muduo::kv
