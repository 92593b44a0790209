// The generated service and stub for testdata/test.proto, end to end over
// loopback: an RpcServer serving a TestService::Service subclass and a
// TestService::Stub on an RpcChannel, with handlers in the I/O thread and on
// a worker pool.
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/InetAddress.h"
#include "rpc/RpcChannel.h"
#include "rpc/RpcServer.h"
#include "rpc/compiler/testdata/test.rpc.h"

namespace muduo::rpc::test {
namespace {

using ::muduo::rpc::testcommon::Point;
using namespace std::chrono_literals;

// Every wait in this file is bounded by this.
constexpr auto kWait = 10s;

class TestServiceImpl final : public TestService::Service {
 public:
  void Echo(ServerContext* context, const EchoRequest* request, EchoResponse* response,
            DoneCallback done) override {
    response->set_text(request->text());
    std::move(done)(absl::OkStatus());
  }
  void Mark(ServerContext* context, const Point* request, google::protobuf::Empty* response,
            DoneCallback done) override {
    std::move(done)(request->x() < 0 ? absl::OutOfRangeError("negative x") : absl::OkStatus());
  }
  void Count(ServerContext* context, const CountRequest_Range* request,
             ServerWriter<Point> writer) override {
    for (int i = request->first(); i <= request->last(); ++i) {
      Point point;
      point.set_x(i);
      // Wraps (defined in unsigned arithmetic) for the long streams, whose y
      // nobody checks; i * i in int overflows past 46340 (UBSan).
      point.set_y(static_cast<int32_t>(static_cast<uint32_t>(i) * static_cast<uint32_t>(i)));
      if (!writer.Write(point)) return;
    }
    writer.Finish(request->last() < request->first() ? absl::InvalidArgumentError("empty range")
                                                     : absl::OkStatus());
  }
};

// Runs `f` in `loop`'s thread and waits for it.
template <typename F>
void runAndWait(net::EventLoop* loop, F f) {
  std::promise<void> ran;
  loop->runInLoop([&] {
    f();
    ran.set_value();
  });
  ASSERT_EQ(ran.get_future().wait_for(kWait), std::future_status::ready);
}

// The parameter: the server's worker threads (0: handlers run in I/O threads).
class GeneratedCodeTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    serverLoop_ = serverThread_.startLoop();
    runAndWait(serverLoop_, [this] {
      RpcServer::Options options;
      options.workerThreads = GetParam();
      server_ = std::make_unique<RpcServer>(serverLoop_, net::InetAddress(0, true), options);
      server_->addService(&service_);
      server_->start();
    });
    clientLoop_ = clientThread_.startLoop();
    channel_ = std::make_unique<RpcChannel>(clientLoop_, server_->listenAddress());
    channel_->connect();
    stub_ = std::make_unique<TestService::Stub>(channel_.get());
  }

  void TearDown() override {
    stub_.reset();
    channel_.reset();
    runAndWait(serverLoop_, [this] { server_.reset(); });
    // Work around a muduo/net bug: closing a connection queues functors that
    // queue more, and EventLoop::loop() drains its queue only once after
    // quit(), so an EventLoopThread destroyed now can drop the last one
    // (TcpConnection::connectDestroyed) and abort in ~Channel. Two round
    // trips through each loop let that chain finish first.
    for (net::EventLoop* loop : {clientLoop_, serverLoop_, clientLoop_, serverLoop_}) {
      runAndWait(loop, [] {});
    }
  }

  TestServiceImpl service_;
  net::EventLoopThread serverThread_;
  net::EventLoop* serverLoop_ = nullptr;
  std::unique_ptr<RpcServer> server_;  // server loop thread only
  net::EventLoopThread clientThread_;
  net::EventLoop* clientLoop_ = nullptr;
  std::unique_ptr<RpcChannel> channel_;
  std::unique_ptr<TestService::Stub> stub_;
};

TEST_P(GeneratedCodeTest, BlockingCallReturnsTheResponse) {
  EchoRequest request;
  request.set_text("hello");
  EchoResponse response;
  const absl::Status status = stub_->Echo(request, &response);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(response.text(), "hello");
}

TEST_P(GeneratedCodeTest, MessagesFromOtherPackagesAndWellKnownTypesTravel) {
  Point point;
  point.set_x(3);
  google::protobuf::Empty empty;
  EXPECT_TRUE(stub_->Mark(point, &empty).ok());
  point.set_x(-3);
  const absl::Status status = stub_->Mark(point, &empty);
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(status.message(), "negative x");
}

TEST_P(GeneratedCodeTest, AsyncCallHandsTheResponseToDone) {
  EchoRequest request;
  request.set_text("async");
  std::promise<std::pair<absl::Status, std::string>> answer;
  stub_->AsyncEcho(request, [&answer](absl::Status status, EchoResponse* response) {
    answer.set_value({std::move(status), response->text()});
  });
  auto future = answer.get_future();
  ASSERT_EQ(future.wait_for(kWait), std::future_status::ready);
  const auto [status, text] = future.get();
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(text, "async");
}

TEST_P(GeneratedCodeTest, ServerStreamDeliversMessagesInOrderThenTheStatus) {
  CountRequest_Range range;
  range.set_first(1);
  range.set_last(5);
  std::vector<int> xs;  // client loop thread, then read after `finished`
  std::promise<absl::Status> finished;
  ClientStream stream = stub_->Count(
      range,
      [&xs](const Point& point) {
        EXPECT_EQ(point.y(), point.x() * point.x());
        xs.push_back(point.x());
      },
      [&finished](absl::Status status) { finished.set_value(std::move(status)); });
  EXPECT_GT(stream.callId(), 0u);
  auto future = finished.get_future();
  ASSERT_EQ(future.wait_for(kWait), std::future_status::ready);
  const absl::Status status = future.get();
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(xs, (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST_P(GeneratedCodeTest, StreamFinishesWithTheHandlersStatus) {
  CountRequest_Range range;
  range.set_first(2);
  range.set_last(1);
  int messages = 0;
  std::promise<absl::Status> finished;
  stub_->Count(
      range, [&messages](const Point&) { ++messages; },
      [&finished](absl::Status status) { finished.set_value(std::move(status)); });
  auto future = finished.get_future();
  ASSERT_EQ(future.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(future.get().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(messages, 0);
}

TEST_P(GeneratedCodeTest, OnMessageMayCancelItsOwnStream) {
  CountRequest_Range range;
  range.set_first(1);
  range.set_last(100000);
  // onMessage runs in the client loop and may start before Count() returns;
  // it waits there for the handle.
  std::promise<ClientStream> handle;
  std::shared_future<ClientStream> stream = handle.get_future().share();
  int messages = 0;
  std::promise<absl::Status> finished;
  handle.set_value(stub_->Count(
      range,
      [&messages, stream](const Point&) {
        ++messages;
        ASSERT_EQ(stream.wait_for(kWait), std::future_status::ready);
        // Cancelling from inside the handler: no more messages, and the
        // finish callback runs after this handler returns.
        ClientStream(stream.get()).cancel();
        EXPECT_EQ(messages, 1);
      },
      [&finished](absl::Status status) { finished.set_value(std::move(status)); }));
  auto future = finished.get_future();
  ASSERT_EQ(future.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(future.get().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(messages, 1);
}

TEST_P(GeneratedCodeTest, UnknownMethodIsUnimplemented) {
  EchoRequest request;
  EchoResponse response;
  const absl::Status status =
      channel_->blockingCall(TestService::kServiceName, "NoSuchMethod", request, &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented) << status;
}

TEST_P(GeneratedCodeTest, RequestThatDoesNotParseIsInvalidArgument) {
  // Field 1 with the wire type of EchoRequest.text, but not UTF-8, which a
  // proto3 string must be.
  google::protobuf::BytesValue notUtf8;
  notUtf8.set_value("\xff\xfe");
  EchoResponse response;
  const absl::Status status =
      channel_->blockingCall(TestService::kServiceName, "Echo", notUtf8, &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message(), "request does not parse as muduo.rpc.test.EchoRequest");
}

INSTANTIATE_TEST_SUITE_P(IoThreadAndWorkerPool, GeneratedCodeTest, ::testing::Values(0, 2),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == 0 ? std::string("IoThread")
                                                  : std::string("WorkerPool");
                         });

}  // namespace
}  // namespace muduo::rpc::test
