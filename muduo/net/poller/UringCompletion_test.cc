// The completion mode of UringPoller (MUDUO_USE_URING=io): what the shared
// connection suite (the _uring_io_test twins) does not reach on its own.
// The buffer ring running dry, and a connection that goes away with its
// recv and send still in flight.
#include <sys/utsname.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/TcpConnection.h"
#include "muduo/net/TcpServer.h"
#include "muduo/net/TestUtil.h"

namespace muduo::net {
namespace {

using test::BlockingSocket;
using test::ServerThread;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr size_t kBytesPerClient = 256 * 1024;
#else
constexpr size_t kBytesPerClient = 1024 * 1024;
#endif
constexpr int kClients = 16;

bool kernelHasCompletionIo() {
  utsname name;
  int major = 0;
  int minor = 0;
  return ::uname(&name) == 0 && sscanf(name.release, "%d.%d", &major, &minor) == 2 &&
         (major > 6 || (major == 6 && minor >= 0));
}

TEST(UringCompletionTest, TheModeIsOnWhereTheKernelHasWhatItNeeds) {
  ASSERT_STREQ(::getenv("MUDUO_USE_URING"), "io");
  EventLoop loop;
  if (!kernelHasCompletionIo()) {
    EXPECT_EQ(loop.completionIo(), nullptr);
    GTEST_SKIP() << "kernel older than 6.0: readiness mode";
  }
  // Without this the _uring_io_test twins would quietly test readiness mode.
  EXPECT_NE(loop.completionIo(), nullptr);
}

// 16 clients each push 1 MiB at once: more than the 128 x 16 KiB buffer
// ring holds while the loop is busy, so recvs end with -ENOBUFS and are
// re-armed. Every byte must still come back, in order, once.
TEST(UringCompletionTest, ClientsOutrunningTheBufferRingGetEveryByteEchoedInOrder) {
  ServerThread server([](TcpServer& s) { s.setMessageCallback(test::echo); });
  std::vector<std::thread> clients;
  std::atomic<int> intact{0};
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      BlockingSocket socket;
      if (socket.connect(server.address()) != 0) return;
      const std::string data = test::makePattern(static_cast<uint64_t>(c) * 7, kBytesPerClient);
      // Send and read at once: the echo must not wait for the whole upload.
      std::thread reader([&] {
        const std::string back = socket.readExactly(data.size());
        if (back == data) intact.fetch_add(1);
      });
      const bool sent = socket.sendAll(data);
      reader.join();
      EXPECT_TRUE(sent);
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(intact.load(), kClients);
}

// The first connection is closed while a send of 8 MiB is with the kernel
// (the client does not read) and its multishot recv is armed; the client
// then writes into the cancelled recv. The poller must keep the send's
// buffer until the cancelled send completes and drop the late completions
// (the sanitizers check the memory); the slot then serves a new connection.
TEST(UringCompletionTest, AConnectionClosedWithItsRecvAndSendInFlightLeavesNothingBehind) {
  std::atomic<int> connections{0};
  ServerThread server([&](TcpServer& s) {
    s.setMessageCallback(test::echo);
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (!conn->connected() || connections.fetch_add(1) != 0) return;
      conn->send(std::string(8 * 1024 * 1024, 'x'));
      conn->forceClose();
    });
  });
  {
    BlockingSocket first;
    ASSERT_EQ(first.connect(server.address()), 0);
    // Whatever of the 8 MiB got out, then the end; never garbage.
    int error = 0;
    const std::string got = first.readToEnd(&error);
    EXPECT_EQ(got.find_first_not_of('x'), std::string::npos);
    EXPECT_LT(got.size(), size_t{8 * 1024 * 1024});
    (void)first.sendAll("late");  // into the cancelled recv; may fail with EPIPE
  }
  for (int i = 0; i < 3; ++i) {
    BlockingSocket next;
    ASSERT_EQ(next.connect(server.address()), 0);
    ASSERT_TRUE(next.sendAll("hello"));
    EXPECT_EQ(next.readExactly(5), "hello");
  }
}

}  // namespace
}  // namespace muduo::net
