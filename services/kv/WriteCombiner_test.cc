// WriteCombiner over a real Store, in both of its completion paths: inline
// (--sync=none) and posted back from the log writer (--sync=batch).
#include "services/kv/WriteCombiner.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/TestUtil.h"
#include "services/kv/Store.h"
#include "services/kv/testing/TestLog.h"

namespace muduo::kv {
namespace {

using namespace std::chrono_literals;
using net::test::runInLoopAndWait;

class WriteCombinerTest : public ::testing::TestWithParam<SyncMode> {
 protected:
  void SetUp() override {
    auto store = testing::openTestStore("write_combiner_test", GetParam(), &dir_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    loop_ = thread_.startLoop();
    runInLoopAndWait(loop_,
                     [this] { combiner_ = std::make_shared<WriteCombiner>(loop_, store_.get()); });
  }

  void TearDown() override {
    runInLoopAndWait(loop_, [this] { combiner_.reset(); });
    store_->close();
  }

  // In the loop: one write of `n` puts `prefix`i = i, acknowledged into
  // `acked` (the number of ops whose outcome was kApplied).
  void addPuts(const std::string& prefix, int n, std::vector<int>* acked) {
    WriteBatch& batch = combiner_->batchFor(static_cast<size_t>(n) * 64);
    const size_t first = batch.size();
    for (int i = 0; i < n; ++i) batch.put(absl::StrCat(prefix, i), std::to_string(i));
    combiner_->add(
        [acked](const absl::Status& status, std::span<WriteOp> ops) {
          int applied = 0;
          for (const WriteOp& op : ops) applied += op.outcome == WriteOp::Outcome::kApplied;
          acked->push_back(status.ok() ? applied : -1);
        },
        first);
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  net::EventLoopThread thread_;
  net::EventLoop* loop_ = nullptr;
  std::shared_ptr<WriteCombiner> combiner_;
};

INSTANTIATE_TEST_SUITE_P(SyncModes, WriteCombinerTest,
                         ::testing::Values(SyncMode::kNone, SyncMode::kBatch),
                         [](const auto& info) { return std::string(syncModeName(info.param)); });

TEST_P(WriteCombinerTest, IterationsOfGrowingAndShrinkingBatchesAreEachAcknowledgedInOrder) {
  // Sizes around the spare vectors' limit, up and down again, so batches
  // are gathered in recycled vectors smaller and larger than they need.
  const std::vector<int> sizes = {1, 700,  3, static_cast<int>(WriteCombiner::kMaxSpareOps) + 10,
                                  5, 2000, 1, 0};
  std::vector<int> acked;
  int expected = 0;
  for (size_t round = 0; round < sizes.size(); ++round) {
    const std::string prefix = absl::StrCat("r", round, "-");
    // Two writers per iteration: their acknowledgements keep their order.
    runInLoopAndWait(loop_, [&] {
      addPuts(prefix + "a", sizes[round], &acked);
      addPuts(prefix + "b", 1, &acked);
    });
    expected += 2;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    size_t seen = 0;
    while (seen < static_cast<size_t>(expected) && std::chrono::steady_clock::now() < deadline) {
      runInLoopAndWait(loop_, [&] { seen = acked.size(); });
    }
    ASSERT_EQ(seen, static_cast<size_t>(expected)) << "round " << round;
    runInLoopAndWait(loop_, [&] {
      EXPECT_EQ(acked[acked.size() - 2], sizes[round]) << "round " << round;
      EXPECT_EQ(acked.back(), 1) << "round " << round;
    });
    for (int i = 0; i < sizes[round]; ++i) {
      std::string value;
      ASSERT_TRUE(
          store_->read(absl::StrCat(prefix, "a", i), [&](std::string_view v) { value = v; }))
          << prefix << i;
      EXPECT_EQ(value, std::to_string(i));
    }
  }
}

}  // namespace
}  // namespace muduo::kv
