// What one client can make an RpcServer hold: the request deadline against
// clients that start a frame and never finish it, and the output budget
// against a client that pipelines calls and never reads the answers. In
// both cases another client is served throughout.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/InetAddress.h"
#include "rpc/RpcChannel.h"
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

// A client that calls Echo over a real RpcChannel, from its own loop.
class EchoClient {
 public:
  explicit EchoClient(const net::InetAddress& server) : loop_(thread_.startLoop()) {
    channel_ = std::make_unique<RpcChannel>(loop_, server);
    channel_->connect();
  }
  ~EchoClient() {
    CountDownLatch gone(1);
    loop_->runInLoop([&] {
      channel_.reset();
      gone.countDown();
    });
    EXPECT_TRUE(gone.waitFor(kWait));
  }

  // True when the call came back OK with the text.
  bool echo(const std::string& text) {
    EchoRequest request;
    request.set_text(text);
    CallOptions options;
    options.timeout = 5s;
    CountDownLatch done(1);
    bool ok = false;
    channel_->startCall(
        TestService::kName, "Echo", request,
        [&](absl::Status status, std::string_view payload) {
          EchoResponse response;
          ok = status.ok() &&
               response.ParseFromArray(payload.data(), static_cast<int>(payload.size())) &&
               response.text() == text;
          done.countDown();
        },
        options);
    return done.waitFor(kWait) && ok;
  }

 private:
  net::EventLoopThread thread_;
  net::EventLoop* loop_;
  std::unique_ptr<RpcChannel> channel_;
};

int connectRaw(const net::InetAddress& server) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && ::connect(fd, server.getSockAddr(), server.sockAddrLen()) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Whether the server closed `fd` within `timeout` (EOF or reset).
bool closedByServer(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  char buf[4096];
  while (Clock::now() < deadline) {
    struct pollfd pfd = {fd, POLLIN, 0};
    if (::poll(&pfd, 1, 50) <= 0) continue;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
  }
  return false;
}

std::string echoFrame(uint64_t callId, const std::string& text) {
  RpcMeta meta;
  meta.set_type(RpcMeta::REQUEST);
  meta.set_call_id(callId);
  meta.set_service(std::string(TestService::kName));
  meta.set_method("Echo");
  EchoRequest request;
  request.set_text(text);
  net::Buffer out;
  encodeFrame(meta, &request, &out);
  return out.retrieveAllAsString();
}

TEST(RpcServerLimitsTest, ClientsThatNeverFinishAFrameAreClosedByTheRequestDeadline) {
  constexpr int kSlow = 200;
  RpcServer::Options options;
  options.ioThreads = 1;
  options.connection.requestTimeout = 300ms;
  TestServer server(options);

  const std::string frame = echoFrame(1, "never finished");
  std::vector<int> slow;
  for (int i = 0; i < kSlow; ++i) {
    const int fd = connectRaw(server.address());
    ASSERT_GE(fd, 0);
    // Half a frame: the header and a few bytes of the body.
    ASSERT_EQ(::send(fd, frame.data(), 16, MSG_NOSIGNAL), 16);
    slow.push_back(fd);
  }
  EchoClient client(server.address());
  const auto start = Clock::now();
  int served = 0;
  while (Clock::now() - start < 600ms) {
    ASSERT_TRUE(client.echo("still here"));
    ++served;
  }
  EXPECT_GT(served, 0);
  for (int fd : slow) {
    EXPECT_TRUE(closedByServer(fd, kWait));
    ::close(fd);
  }
  EXPECT_TRUE(client.echo("after"));
}

TEST(RpcServerLimitsTest, AClientThatPipelinesCallsAndNeverReadsIsHeldToTheOutputBudget) {
  constexpr int kCalls = 4000;
  const std::string text(16 * 1024, 't');  // 64 MiB of answers in all
  RpcServer::Options options;
  options.connection.outputHighWaterMark = 256 * 1024;
  options.connection.outputLowWaterMark = 64 * 1024;
  TestServer server(options);

  const int greedy = connectRaw(server.address());
  ASSERT_GE(greedy, 0);
  std::string all;
  for (int i = 1; i <= kCalls; ++i) all += echoFrame(static_cast<uint64_t>(i), text);
  // The server stops reading, so the kernel stops taking our requests too:
  // send from a thread and let it block.
  std::thread sender([&] {
    size_t sent = 0;
    while (sent < all.size()) {
      const ssize_t n = ::send(greedy, all.data() + sent, all.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
  });
  // Let the server take what it will, then check that it stopped well short.
  int64_t answered = -1;
  for (int i = 0; i < 100 && answered != server.service().echoAnswered(); ++i) {
    answered = server.service().echoAnswered();
    std::this_thread::sleep_for(50ms);
  }
  // The budget plus what the kernel's socket buffers hold (a few MiB on
  // loopback), in answers of 16 KiB: far fewer than all of them.
  EXPECT_LT(server.service().echoAnswered(), kCalls / 4);

  EchoClient polite(server.address());
  EXPECT_TRUE(polite.echo("served meanwhile"));

  // Reading now brings every answer.
  size_t received = 0;
  std::vector<char> buf(1 << 20);
  const auto start = Clock::now();
  while (server.service().echoAnswered() < kCalls + 1 && Clock::now() - start < kWait) {
    const ssize_t n = ::recv(greedy, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n > 0) {
      received += static_cast<size_t>(n);
    } else {
      std::this_thread::sleep_for(1ms);
    }
  }
  EXPECT_EQ(server.service().echoAnswered(), kCalls + 1);
  ::shutdown(greedy, SHUT_RDWR);
  sender.join();
  ::close(greedy);
  EXPECT_GT(received, 0u);
}

}  // namespace
}  // namespace muduo::rpc
