#include "services/echo/EchoServiceImpl.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "rpc/RpcChannel.h"
#include "rpc/RpcServer.h"
#include "services/echo/EchoLoad.h"

namespace muduo::echo {
namespace {

class EchoServiceTest : public testing::Test {
 protected:
  void SetUp() override {
    serverLoop_ = serverThread_.startLoop();
    CountDownLatch started(1);
    serverLoop_->runInLoop([this, &started] {
      server_ = std::make_unique<rpc::RpcServer>(serverLoop_, net::InetAddress(0, true));
      server_->addService(&service_);
      server_->start();
      started.countDown();
    });
    started.wait();
    clientLoop_ = clientThread_.startLoop();
    channel_ = std::make_unique<rpc::RpcChannel>(clientLoop_, server_->listenAddress());
    channel_->connect();
    stub_ = std::make_unique<EchoService::Stub>(channel_.get());
  }

  void TearDown() override {
    stub_.reset();
    channel_.reset();
    CountDownLatch stopped(1);
    serverLoop_->runInLoop([this, &stopped] {
      server_.reset();
      stopped.countDown();
    });
    stopped.wait();
  }

  EchoServiceImpl service_;
  net::EventLoopThread serverThread_;
  net::EventLoop* serverLoop_ = nullptr;
  std::unique_ptr<rpc::RpcServer> server_;
  net::EventLoopThread clientThread_;
  net::EventLoop* clientLoop_ = nullptr;
  std::unique_ptr<rpc::RpcChannel> channel_;
  std::unique_ptr<EchoService::Stub> stub_;
};

TEST_F(EchoServiceTest, EchoAnswersWithTheSameText) {
  EchoRequest request;
  request.set_text("héllo, world");
  EchoResponse response;
  ASSERT_TRUE(stub_->Echo(request, &response).ok());
  EXPECT_EQ(response.text(), "héllo, world");
}

TEST_F(EchoServiceTest, RepeatStreamsNumberedCopiesInOrderThenFinishesOk) {
  RepeatRequest request;
  request.set_text("x");
  request.set_count(1000);
  std::vector<std::string> got;
  CountDownLatch finished(1);
  absl::Status status = absl::UnknownError("not finished");
  stub_->Repeat(
      request, [&got](const EchoResponse& r) { got.push_back(r.text()); },
      [&](absl::Status s) {
        status = std::move(s);
        finished.countDown();
      });
  ASSERT_TRUE(finished.waitFor(std::chrono::seconds(10)));
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(got.size(), 1000u);
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(got[static_cast<size_t>(i)], std::to_string(i + 1) + ": x");
}

TEST_F(EchoServiceTest, RepeatRejectsACountOutOfRange) {
  RepeatRequest request;
  request.set_count(EchoServiceImpl::kMaxRepeat + 1);
  CountDownLatch finished(1);
  absl::Status status;
  int messages = 0;
  stub_->Repeat(
      request, [&messages](const EchoResponse&) { ++messages; },
      [&](absl::Status s) {
        status = std::move(s);
        finished.countDown();
      });
  ASSERT_TRUE(finished.waitFor(std::chrono::seconds(10)));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(messages, 0);
}

TEST_F(EchoServiceTest, LoadModeCompletesEveryCall) {
  LoadOptions options;
  options.calls = 5000;
  options.concurrency = 20;
  options.connections = 2;
  net::EventLoopThread loadThread;
  const LoadResult result = runLoad(loadThread.startLoop(), server_->listenAddress(), options);
  EXPECT_EQ(result.ok, 5000);
  EXPECT_EQ(result.failed, 0);
  EXPECT_EQ(result.latencyNs.count(), 5000);
  EXPECT_GT(result.callsPerSecond(), 0);
}

}  // namespace
}  // namespace muduo::echo
