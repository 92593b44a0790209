// The life of a server call as a client written from PROTOCOL.md sees it:
// CANCEL and deadlines reach the handler, a stream to a client that does not
// read is held to the connection's budget, queued work for a client that is
// gone never runs, and timeout_us means what the protocol says at its
// extremes. Frames are written and read raw, byte for byte.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/InetAddress.h"
#include "rpc/RpcCodec.h"
#include "rpc/RpcServer.h"
#include "rpc/rpc_meta.pb.h"
#include "rpc/testing/TestServer.h"
#include "rpc/testing/TestService.h"
#include "rpc/testing/test_messages.pb.h"

namespace muduo::rpc {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::EchoRequest;
using testing::EchoResponse;
using testing::TestServer;
using testing::TestService;

constexpr std::chrono::milliseconds kWait = 10s;

// One decoded frame as the client sees it.
struct Frame {
  RpcMeta meta;
  std::string payload;
};

// A blocking MRPC client on a raw socket.
class RawClient {
 public:
  explicit RawClient(const net::InetAddress& server)
      : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    EXPECT_EQ(::connect(fd_, server.getSockAddr(), server.sockAddrLen()), 0);
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  void request(uint64_t callId, const std::string& method, const EchoRequest& request,
               int64_t timeoutUs = 0) {
    RpcMeta meta;
    meta.set_type(RpcMeta::REQUEST);
    meta.set_call_id(callId);
    meta.set_service(std::string(TestService::kName));
    meta.set_method(method);
    meta.set_timeout_us(timeoutUs);
    send(meta, &request);
  }
  void cancel(uint64_t callId) {
    RpcMeta meta;
    meta.set_type(RpcMeta::CANCEL);
    meta.set_call_id(callId);
    send(meta, nullptr);
  }
  void send(const RpcMeta& meta, const google::protobuf::MessageLite* payload) {
    net::Buffer out;
    encodeFrame(meta, payload, &out);
    const std::string bytes = out.retrieveAllAsString();
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }

  // The next frame, or nullopt when nothing complete arrives within
  // `timeout` (or the server closed).
  std::optional<Frame> next(std::chrono::milliseconds timeout = kWait) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      DecodedFrame decoded;
      std::string error;
      if (decodeFrame(in_, kDefaultMaxFrameSize, &decoded, &error) == DecodeStatus::kFrame) {
        Frame frame{decoded.meta.toProto(), std::string(decoded.payload)};
        in_.retrieve(decoded.frameLength);
        return frame;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left <= 0ms) return std::nullopt;
      struct pollfd pfd = {fd_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count()) + 1) <= 0) continue;
      char buf[65536];
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) {
        closed_ = true;
        return std::nullopt;
      }
      in_.append(std::string_view(buf, static_cast<size_t>(n)));
    }
  }
  [[nodiscard]] bool closed() const { return closed_; }
  // True when the server closes the connection within `timeout`.
  bool waitForClose(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline && !closed_) (void)next(100ms);
    return closed_;
  }
  void closeNow() {
    ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  net::Buffer in_;
  bool closed_ = false;
};

EchoRequest streamRequest(int count, size_t textBytes = 8) {
  EchoRequest request;
  request.set_count(count);
  request.set_text(std::string(textBytes, 's'));
  return request;
}

TEST(ServerCallLifecycleTest, CancelStopsAStreamAndNoStreamEndFollows) {
  TestServer server;
  RawClient client(server.address());
  client.request(7, "Stream", streamRequest(1'000'000, 1024));
  auto first = client.next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->meta.type(), RpcMeta::STREAM_MESSAGE);
  client.cancel(7);
  // Drain what was already on its way; it ends, and no STREAM_END comes.
  int64_t after = 0;
  bool sawEnd = false;
  while (auto frame = client.next(500ms)) {
    if (frame->meta.type() == RpcMeta::STREAM_END) sawEnd = true;
    ++after;
  }
  EXPECT_FALSE(sawEnd);
  EXPECT_LT(after, 1'000'000);
  const int64_t written = server.service().streamWritten();
  EXPECT_LT(written, 1'000'000);
  EXPECT_EQ(server.service().streamsCancelled(), 1);
  // The handler stopped: nothing more gets written.
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(server.service().streamWritten(), written);
}

TEST(ServerCallLifecycleTest, AStreamPastItsDeadlineEndsWithDeadlineExceeded) {
  TestServer server;
  RawClient client(server.address());
  const auto start = Clock::now();
  client.request(3, "Stream", streamRequest(10'000'000), 20'000);
  std::optional<Frame> end;
  int64_t messages = 0;
  while (auto frame = client.next()) {
    if (frame->meta.type() == RpcMeta::STREAM_END) {
      end = std::move(frame);
      break;
    }
    ++messages;
  }
  ASSERT_TRUE(end) << "no STREAM_END after " << messages << " messages";
  EXPECT_EQ(end->meta.call_id(), 3u);
  EXPECT_EQ(end->meta.status_code(), static_cast<int>(absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_EQ(server.service().streamsCancelled(), 1);
}

TEST(ServerCallLifecycleTest, TheLargestTimeoutIsNoDeadlineAndGetsItsAnswer) {
  TestServer server;
  RawClient client(server.address());
  EchoRequest request;
  request.set_text("patient");
  client.request(1, "Echo", request, std::numeric_limits<int64_t>::max());
  request.set_delay_ms(20);  // answered later, with a timer in flight
  client.request(2, "Echo", request, std::numeric_limits<int64_t>::max() - 1);
  for (int i = 0; i < 2; ++i) {
    auto frame = client.next();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->meta.type(), RpcMeta::RESPONSE);
    EXPECT_EQ(frame->meta.status_code(), 0);
    EchoResponse response;
    ASSERT_TRUE(response.ParseFromString(frame->payload));
    EXPECT_EQ(response.text(), "patient");
  }
}

TEST(ServerCallLifecycleTest, ANegativeTimeoutIsRefusedAsAnInvalidArgument) {
  TestServer server;
  RawClient client(server.address());
  EchoRequest request;
  request.set_text("x");
  client.request(5, "Echo", request, -1);
  auto frame = client.next();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->meta.call_id(), 5u);
  EXPECT_EQ(frame->meta.status_code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
}

TEST(ServerCallLifecycleTest, AStreamToAClientThatDoesNotReadIsHeldToTheBudget) {
  constexpr size_t kBudget = 256 * 1024;
  constexpr size_t kText = 10 * 1024;
  RpcServer::Options options;
  options.connection.outputHighWaterMark = kBudget;
  options.connection.outputLowWaterMark = kBudget / 4;
  TestServer server(options);
  RawClient sleeper(server.address());
  sleeper.request(1, "Stream", streamRequest(100'000, kText));  // 1 GB if buffered
  // Let the stream fill what it can; then it must sit still.
  int64_t written = -1;
  for (int i = 0; i < 100 && written != server.service().streamWritten(); ++i) {
    written = server.service().streamWritten();
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_LT(server.service().streamWritten(), 100'000);
  EXPECT_LE(server.service().streamMaxQueued(), kBudget + kText + 64);

  // Another client is served normally meanwhile.
  RawClient other(server.address());
  EchoRequest request;
  request.set_text("hello");
  other.request(9, "Echo", request);
  auto answer = other.next();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->meta.status_code(), 0);

  // When the sleeper reads, the stream resumes and completes in order.
  int64_t received = 0;
  std::optional<Frame> end;
  while (auto frame = sleeper.next()) {
    if (frame->meta.type() == RpcMeta::STREAM_END) {
      end = std::move(frame);
      break;
    }
    EchoResponse message;
    ASSERT_TRUE(message.ParseFromString(frame->payload));
    ASSERT_EQ(message.text(), std::string(kText, 's') + std::to_string(received));
    ++received;
  }
  ASSERT_TRUE(end);
  EXPECT_EQ(end->meta.status_code(), 0);
  EXPECT_EQ(received, 100'000);
  EXPECT_LE(server.service().streamMaxQueued(), kBudget + kText + 64);
}

TEST(ServerCallLifecycleTest, CallsQueuedForWorkersAreDroppedOnceTheirClientIsGone) {
  RpcServer::Options options;
  options.workerThreads = 1;
  TestServer server(options);
  RawClient client(server.address());
  EchoRequest block;
  block.set_text("blocker");
  client.request(1, "Block", block);
  ASSERT_TRUE(server.service().waitForBlocked(1, kWait));
  EchoRequest echo;
  echo.set_text("queued");
  for (uint64_t id = 2; id < 102; ++id) client.request(id, "Echo", echo);
  // Absence cannot be awaited: give the server a moment to queue them all.
  std::this_thread::sleep_for(200ms);
  client.closeNow();
  // The disconnect cancels the queued calls before the worker is free.
  std::this_thread::sleep_for(100ms);
  server.service().openGate();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(server.service().echoAnswered(), 0);
}

TEST(ServerCallLifecycleTest, ACallIdReusedWhileItsCallRunsClosesTheConnection) {
  TestServer server;
  RawClient client(server.address());
  EchoRequest hold;
  hold.set_text("held");
  client.request(4, "Hold", hold);
  ASSERT_TRUE(server.service().waitForHeld(1, kWait));
  client.request(4, "Hold", hold);
  EXPECT_TRUE(client.waitForClose(kWait));
  EXPECT_EQ(server.service().callsReceived(), 1);
}

}  // namespace
}  // namespace muduo::rpc
