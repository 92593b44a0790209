#include "services/kv/Compactor.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "services/kv/DataDir.h"
#include "services/kv/LogWriter.h"
#include "services/kv/Recovery.h"
#include "services/kv/testing/FaultInjectionEnv.h"
#include "services/kv/testing/TestLog.h"

namespace muduo::kv {
namespace {

namespace fs = std::filesystem;

using testing::putRecord;

class CompactorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = testing::freshTestDir("compactor");
    open();
  }

  void open() {
    compactor_.reset();
    log_.reset();
    dir_.reset();
    auto dir = DataDir::open(&env_, path_);
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = std::move(*dir);
    auto state = recoverDirectory(&env_, *dir_);
    ASSERT_TRUE(state.ok()) << state.status();
    table_ = std::move(state->table);
    log_ = std::make_unique<LogWriter>(dir_.get(), SyncMode::kBatch, std::move(state->log),
                                       state->snapshot, std::move(state->logs), state->logBytes);
    compactor_ = std::make_unique<Compactor>(dir_.get(), log_.get(),
                                             CompactionPolicy(/*minBytes=*/1000, /*ratio=*/2.0));
  }

  // Overwrites ten keys until the log holds `bytes`.
  void writeLog(uint64_t bytes) {
    for (int i = 0; log_->logBytes() < bytes; ++i) {
      ASSERT_TRUE(log_->append(putRecord(absl::StrCat("k", i % 10), std::string(50, 'v'))).ok());
    }
  }

  static constexpr uint64_t kLiveBytes = 10 * (2 + 50);

  FaultInjectionEnv env_;
  std::string path_;
  std::unique_ptr<DataDir> dir_;
  std::unique_ptr<LogWriter> log_;
  std::unique_ptr<Compactor> compactor_;
  Table table_;
};

TEST_F(CompactorTest, ALogThatIsNotDueIsLeftAlone) {
  writeLog(900);
  compactor_->maybeStart(kLiveBytes);
  compactor_->waitForCompaction();
  EXPECT_EQ(compactor_->compactions(), 0u);
  EXPECT_EQ(log_->stats().generation, 1u);
}

TEST_F(CompactorTest, ADueLogBecomesASnapshotAndTheFilesItReplacesGo) {
  writeLog(5000);
  compactor_->maybeStart(kLiveBytes);
  compactor_->waitForCompaction();
  EXPECT_EQ(compactor_->compactions(), 1u);
  EXPECT_TRUE(fs::exists(dir_->snapshotPath(2)));
  EXPECT_FALSE(fs::exists(dir_->logPath(1)));
  EXPECT_TRUE(fs::exists(dir_->logPath(2))) << "writes carry on in the new log";
  EXPECT_LT(log_->logBytes(), 100u) << "only the new log's header is left";

  ASSERT_TRUE(log_->append(putRecord("after", "x")).ok());
  open();
  EXPECT_EQ(table_.size(), 11u);
  EXPECT_NE(table_.find("after"), nullptr);
}

TEST_F(CompactorTest, AFailedCompactionIsRetriedOnlyOnceTheLogHasDoubled) {
  writeLog(5000);
  FaultInjectionEnv::Fault fault;
  fault.op = FaultInjectionEnv::Op::kRename;
  fault.once = true;
  env_.inject(fault);
  compactor_->maybeStart(kLiveBytes);
  compactor_->waitForCompaction();
  EXPECT_EQ(compactor_->compactions(), 0u);
  EXPECT_TRUE(log_->health().ok()) << "a failed rename fails only the compaction";
  EXPECT_FALSE(fs::exists(dir_->tempSnapshotPath(2))) << "the partial snapshot is removed";
  const uint64_t failedAt = log_->logBytes();

  writeLog(failedAt * 2 - 100);
  compactor_->maybeStart(kLiveBytes);
  compactor_->waitForCompaction();
  EXPECT_EQ(log_->stats().generation, 2u) << "no new attempt yet";

  writeLog(failedAt * 2);
  compactor_->maybeStart(kLiveBytes);
  compactor_->waitForCompaction();
  EXPECT_EQ(compactor_->compactions(), 1u);
  EXPECT_EQ(log_->stats().generation, 3u);
}

TEST_F(CompactorTest, AClosedCompactorStartsNothing) {
  writeLog(5000);
  compactor_->close();
  compactor_->maybeStart(kLiveBytes);
  EXPECT_EQ(log_->stats().generation, 1u);
  EXPECT_EQ(compactor_->compactions(), 0u);
}

}  // namespace
}  // namespace muduo::kv
