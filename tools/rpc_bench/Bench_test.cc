#include <memory>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "tools/rpc_bench/BenchClient.h"
#include "tools/rpc_bench/BenchServer.h"

namespace rpcbench {
namespace {

class BenchTest : public testing::Test {
 protected:
  void SetUp() override {
    serverLoop_ = serverThread_.startLoop();
    muduo::CountDownLatch started(1);
    serverLoop_->runInLoop([this, &started] {
      server_ = std::make_unique<BenchServer>(serverLoop_, muduo::net::InetAddress(0, true), 0);
      server_->start();
      started.countDown();
    });
    started.wait();
  }
  void TearDown() override {
    muduo::CountDownLatch done(1);
    serverLoop_->runInLoop([this, &done] {
      server_.reset();
      done.countDown();
    });
    done.wait();
  }

  BenchResult run(BenchOptions options) {
    muduo::net::EventLoop loop;
    BenchClient client(&loop, server_->listenAddress(), options);
    return client.run();
  }

  muduo::net::EventLoopThread serverThread_;
  muduo::net::EventLoop* serverLoop_ = nullptr;
  std::unique_ptr<BenchServer> server_;
};

TEST_F(BenchTest, ClosedLoopCompletesCallsWithoutErrors) {
  BenchOptions options;
  options.connections = 4;
  options.outstanding = 8;
  options.duration = std::chrono::milliseconds(200);
  options.warmup = std::chrono::milliseconds(50);
  const BenchResult result = run(options);
  EXPECT_GT(result.calls, 100);
  EXPECT_EQ(result.errors, 0);
  EXPECT_EQ(result.latencyNs.count(), result.calls);
}

TEST_F(BenchTest, OpenLoopSendsAtRoughlyTheTargetRateAndSlowCallsAreSlow) {
  BenchOptions options;
  options.connections = 2;
  options.rate = 2000;
  options.slowFraction = 0.1;
  options.duration = std::chrono::milliseconds(300);
  options.warmup = std::chrono::milliseconds(50);
  const BenchResult result = run(options);
  EXPECT_EQ(result.errors, 0);
  // 600 intended; the window edges may shift a few either way.
  EXPECT_GT(result.calls, 400);
  EXPECT_LT(result.calls, 800);
  // The slow calls take at least 5 ms; the fast ones are reported apart.
  EXPECT_GE(result.latencyNs.max(), 5'000'000);
  EXPECT_LT(result.fastLatencyNs.count(), result.latencyNs.count());
}

}  // namespace
}  // namespace rpcbench
