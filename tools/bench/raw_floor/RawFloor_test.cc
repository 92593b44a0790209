#include "tools/bench/raw_floor/RawFloor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace rawfloor {
namespace {

// A raw_floor server on a free loopback port in a thread of the test.
class ServerThread {
 public:
  explicit ServerThread(Mode mode) {
    fd_ = listenLoopback(0, &port_);
    EXPECT_GE(fd_, 0);
    thread_ = std::thread([this, mode] { error_ = runServer(fd_, mode, &stop_); });
  }
  ~ServerThread() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    EXPECT_EQ(error_, 0);
  }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  int error_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

int connectTo(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

// Reads until `want` bytes or end of stream, waiting at most 5 s each read.
std::string readUpTo(int fd, size_t want) {
  std::string got;
  char buf[4096];
  while (got.size() < want) {
    struct pollfd pfd = {fd, POLLIN, 0};
    if (::poll(&pfd, 1, 5000) <= 0) break;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

TEST(RawFloor, EchoClientMeasuresBytesBouncedOffTheEchoServer) {
  ServerThread server(Mode::kEcho);
  ClientOptions options;
  options.port = server.port();
  options.mode = Mode::kEcho;
  options.connections = 3;
  options.blockSize = 4096;
  options.seconds = 0.2;
  const ClientResult result = runClient(options);
  EXPECT_EQ(result.error, 0);
  EXPECT_GT(result.bytesRead, 3 * 4096);
  EXPECT_GE(result.seconds, 0.2);
}

TEST(RawFloor, MrpcClientCompletesCallsAgainstTheMrpcServer) {
  ServerThread server(Mode::kMrpc);
  ClientOptions options;
  options.port = server.port();
  options.mode = Mode::kMrpc;
  options.connections = 2;
  options.outstanding = 5;
  options.seconds = 0.2;
  const ClientResult result = runClient(options);
  EXPECT_EQ(result.error, 0);
  EXPECT_GT(result.calls, 10);
}

TEST(RawFloor, MrpcServerAnswersARequestWithTheResponseFramePROTOCOLmdDescribes) {
  ServerThread server(Mode::kMrpc);
  const int fd = connectTo(server.port());
  // REQUEST call_id 300 for rpcbench.Bench/Echo, payload BenchRequest{payload: "hi"}, sent
  // in two pieces to show a split frame is reassembled.
  const std::string meta("\x10\xac\x02\x1a\x0erpcbench.Bench\x22\x04", 21);
  const std::string frame =
      std::string("MRPC\0\0\0\x1d\0\0\0\x19", 12) + meta + "Echo" + std::string("\x0a\x02hi", 4);
  ASSERT_EQ(::write(fd, frame.data(), 7), 7);
  ASSERT_EQ(::write(fd, frame.data() + 7, frame.size() - 7),
            static_cast<ssize_t>(frame.size() - 7));
  // RESPONSE (type 1) call_id 300, status OK (absent), the payload unchanged.
  const std::string want =
      std::string("MRPC\0\0\0\x09\0\0\0\x05\x08\x01\x10\xac\x02\x0a\x02hi", 21);
  EXPECT_EQ(readUpTo(fd, want.size()), want);
  ::close(fd);
}

TEST(RawFloor, MrpcServerClosesAConnectionWhoseMagicIsWrong) {
  ServerThread server(Mode::kMrpc);
  const int fd = connectTo(server.port());
  ASSERT_EQ(::write(fd, "HTTP/1.1 200 OK\r\n", 17), 17);
  EXPECT_EQ(readUpTo(fd, 1), "");  // end of stream, nothing answered
  ::close(fd);
}

TEST(RawFloor, HttpServerAnswersEachPipelinedRequestWithHelloServersBytes) {
  ServerThread server(Mode::kHttp);
  const int fd = connectTo(server.port());
  // Three requests, the third split across two writes.
  const std::string get = "GET /hello HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string three = get + get + get;
  ASSERT_EQ(::write(fd, three.data(), three.size() - 5), static_cast<ssize_t>(three.size() - 5));
  ASSERT_EQ(::write(fd, three.data() + three.size() - 5, 5), 5);
  // The Date is this second's: 29 bytes ("Fri, 27 Nov 2026 14:22:56 GMT").
  const std::string head = "HTTP/1.1 200 OK\r\nDate: ";
  const std::string tail =
      " GMT\r\nServer: muduo\r\nConnection: keep-alive\r\nContent-Type: "
      "text/plain\r\nContent-Length: 14\r\n\r\nhello, world!\n";
  const size_t one = head.size() + 25 + tail.size();
  const std::string got = readUpTo(fd, 3 * one);
  ASSERT_EQ(got.size(), 3 * one);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got.substr(i * one, head.size()), head) << i;
    EXPECT_EQ(got.substr(i * one + head.size() + 25, tail.size()), tail) << i;
  }
  ::close(fd);
}

TEST(RawFloor, HttpServerClosesAConnectionWhoseRequestHeadNeverEnds) {
  ServerThread server(Mode::kHttp);
  const int fd = connectTo(server.port());
  const std::string endless(100 * 1024, 'a');
  // The server may close before taking it all: no SIGPIPE, and the result
  // is moot.
  (void)!::send(fd, endless.data(), endless.size(), MSG_NOSIGNAL);
  EXPECT_EQ(readUpTo(fd, 1), "");
  ::close(fd);
}

TEST(RawFloor, TheClientLeavesHttpToWrk) {
  ClientOptions options;
  options.mode = Mode::kHttp;
  EXPECT_EQ(runClient(options).error, EINVAL);
}

}  // namespace
}  // namespace rawfloor
