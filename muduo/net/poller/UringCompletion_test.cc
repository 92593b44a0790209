// The completion mode of UringPoller (MUDUO_USE_URING=io): what the shared
// connection suite (the _uring_io_test twins) does not reach on its own.
// The buffer ring running dry, a connection that goes away with its recv
// and send still in flight, and the message callback reading a receive
// buffer the poller lends it (BufferLoan): consuming all of it, part or
// none, writing into it, and closing or destroying its connection.
#include <sys/utsname.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/TestUtil.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/TcpClient.h"
#include "muduo/net/TcpConnection.h"
#include "muduo/net/TcpServer.h"
#include "muduo/net/TestUtil.h"

namespace muduo::net {
namespace {

using test::BlockingSocket;
using test::ServerThread;

constexpr size_t kBytesPerClient = muduo::test::kSanitized ? 256 * 1024 : 1024 * 1024;
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

// Runs `f` in this thread while `loop` is held inside a functor, so that the
// loop handles what `f` set off (the recvs the kernel completes meanwhile)
// in one iteration afterwards. The loop is let go even when `f` fails.
void whileLoopIsHeld(EventLoop* loop, const std::function<void()>& f) {
  CountDownLatch held(1);
  CountDownLatch release(1);
  loop->runInLoop([&] {
    held.countDown();
    release.wait();
  });
  test::waitOrAbort(held, "the loop to be held");
  f();
  release.countDown();
  // The latches must outlive the functor's wait on them.
  test::runInLoopAndWait(loop, [] {});
}

// Sends back every complete line and leaves a partial one in the buffer.
void echoLines(const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
  while (const char* eol = buf->findEOL()) {
    conn->send(std::string_view(buf->peek(), static_cast<size_t>(eol + 1 - buf->peek())));
    buf->retrieveUntil(eol + 1);
  }
}

// The first completion ends mid-line: the callback consumes part, the rest
// is copied when the loan ends, and the next completion is appended to it.
TEST(UringCompletionTest, ALineLeftPartialIsCompletedByTheNextCompletion) {
  ServerThread server([](TcpServer& s) { s.setMessageCallback(echoLines); });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  ASSERT_TRUE(client.sendAll("one\ntw"));
  EXPECT_EQ(client.readExactly(4), "one\n");  // "tw" has been seen and kept
  ASSERT_TRUE(client.sendAll("o\nthree\n"));
  EXPECT_EQ(client.readExactly(10), "two\nthree\n");
}

// A length-prefixed frame whose body comes in a second completion: the
// callback consumes nothing the first time.
TEST(UringCompletionTest, AFrameSplitAcrossTwoCompletionsIsDeliveredWhole) {
  std::atomic<int> calls{0};
  CountDownLatch firstCall(1);
  ServerThread server([&](TcpServer& s) {
    s.setMessageCallback([&](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      if (calls.fetch_add(1) == 0) firstCall.countDown();
      while (buf->readableBytes() >= 4) {
        const auto len = static_cast<size_t>(buf->peekInt32());
        if (buf->readableBytes() < 4 + len) return;
        buf->retrieveInt32();
        conn->send(buf->retrieveAsString(len));
      }
    });
  });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  const std::string body = test::makePattern(0, 3000);
  Buffer frame;
  frame.append(body);
  frame.prependInt32(static_cast<int32_t>(body.size()));
  const std::string wire(frame.view());
  ASSERT_TRUE(client.sendAll(wire.substr(0, 1000)));
  test::waitOrAbort(firstCall, "the first half of the frame");
  ASSERT_TRUE(client.sendAll(wire.substr(1000)));
  EXPECT_EQ(client.readExactly(body.size()), body);
  EXPECT_GE(calls.load(), 2);
}

// 'P': prepends a length (into the area in front of the lent bytes); 'A':
// appends past them; 'B': both. The reply is the whole buffer.
TEST(UringCompletionTest, ACallbackThatWritesIntoTheInputBufferSeesItsOwnWrites) {
  ServerThread server([](TcpServer& s) {
    s.setMessageCallback([](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      const char kind = buf->peek()[0];
      const auto len = static_cast<int32_t>(buf->readableBytes());
      if (kind == 'P' || kind == 'B') buf->prependInt32(len);
      if (kind == 'A' || kind == 'B') buf->append(std::string(2000, '+'));
      conn->send(buf);
    });
  });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  const std::string length5("\0\0\0\x05", 4);
  ASSERT_TRUE(client.sendAll("Phead"));
  EXPECT_EQ(client.readExactly(9), length5 + "Phead");
  ASSERT_TRUE(client.sendAll("Atail"));
  EXPECT_EQ(client.readExactly(2005), "Atail" + std::string(2000, '+'));
  ASSERT_TRUE(client.sendAll("Bboth"));
  EXPECT_EQ(client.readExactly(2009), length5 + "Bboth" + std::string(2000, '+'));
}

// The callback closes its connection with bytes left unread, by shutdown()
// after its reply ("bye") or by forceClose() at once ("BYE"); the loop goes
// on serving others (the lent buffers went back to the ring).
TEST(UringCompletionTest, ACallbackThatClosesItsConnectionLeavesTheLoopServing) {
  ServerThread server([](TcpServer& s) {
    s.setMessageCallback([](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      if (buf->view().starts_with("BYE")) {
        conn->forceClose();
        return;
      }
      echoLines(conn, buf, Timestamp());
      if (buf->readableBytes() > 0) conn->shutdown();
    });
  });
  for (int i = 0; i < 4; ++i) {
    const bool force = i % 2 == 1;
    BlockingSocket closed;
    ASSERT_EQ(closed.connect(server.address()), 0);
    ASSERT_TRUE(closed.sendAll(force ? "BYE\nunread" : "bye\nunread"));
    int error = 0;
    EXPECT_EQ(closed.readToEnd(&error), force ? "" : "bye\n");
  }
  BlockingSocket next;
  ASSERT_EQ(next.connect(server.address()), 0);
  ASSERT_TRUE(next.sendAll("still here\n"));
  EXPECT_EQ(next.readExactly(11), "still here\n");
}

// A client destroyed by its own message callback, with bytes unread: its
// channel leaves the poller while the callback still reads the lent
// buffer, which must stay the callback's until it returns.
TEST(UringCompletionTest, AClientDestroyedInsideItsMessageCallbackGivesTheBufferBack) {
  ServerThread server([](TcpServer& s) { s.setMessageCallback(test::echo); });
  EventLoopThread thread;
  EventLoop* loop = thread.startLoop();
  for (int round = 0; round < 3; ++round) {
    std::unique_ptr<TcpClient> client;
    std::string seen;
    CountDownLatch done(1);
    test::runInLoopAndWait(loop, [&] {
      client = std::make_unique<TcpClient>(loop, server.address(), "destroyed");
      client->setConnectionCallback([](const TcpConnectionPtr& conn) {
        if (conn->connected()) conn->send("ping and the rest");
      });
      client->setMessageCallback([&](const TcpConnectionPtr&, Buffer* buf, Timestamp) {
        if (buf->readableBytes() < 17) return;
        seen = buf->retrieveAsString(4);
        client.reset();  // the connection is destroyed with 13 bytes unread
        seen += buf->retrieveAllAsString();
        done.countDown();
      });
      client->connect();
    });
    test::waitOrAbort(done, "the destroyed client's message");
    EXPECT_EQ(seen, "ping and the rest");
  }
}

// More connections than the ring has buffers get a message each while the
// loop is held: the kernel fills the ring (each buffer now lent for a
// callback) and ends the other recvs with -ENOBUFS, which are re-armed.
TEST(UringCompletionTest, MoreConnectionsThanRingBuffersAllGetTheirMessageBack) {
  constexpr int kConnections = 160;  // the ring has 128
  test::ConnectionLog log;
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback(log.callback());
    s.setMessageCallback(test::echo);
  });
  std::vector<std::unique_ptr<BlockingSocket>> clients;
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(std::make_unique<BlockingSocket>());
    ASSERT_EQ(clients.back()->connect(server.address()), 0);
  }
  ASSERT_TRUE(log.waitForUps(kConnections));
  whileLoopIsHeld(server.loop(), [&] {
    for (int i = 0; i < kConnections; ++i) {
      ASSERT_TRUE(clients[i]->sendAll(test::makePattern(static_cast<uint64_t>(i), 1000)));
    }
  });
  for (int i = 0; i < kConnections; ++i) {
    EXPECT_EQ(clients[i]->readExactly(1000), test::makePattern(static_cast<uint64_t>(i), 1000))
        << "connection " << i;
  }
}

// Reading stopped inside the callback: bytes that reach the cancelled recv
// and every later byte come, in order, once reading starts again.
TEST(UringCompletionTest, BytesThatArriveWhileReadingIsStoppedComeInOrderAfterwards) {
  std::shared_ptr<TcpConnection> serverSide;
  CountDownLatch stopped(1);
  ServerThread server([&](TcpServer& s) {
    s.setMessageCallback([&](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      echoLines(conn, buf, Timestamp());
      if (serverSide == nullptr) {
        serverSide = conn;
        conn->stopRead();
        stopped.countDown();
      }
    });
  });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  ASSERT_TRUE(client.sendAll("first\n"));
  EXPECT_EQ(client.readExactly(6), "first\n");
  test::waitOrAbort(stopped, "reading to stop");
  ASSERT_TRUE(client.sendAll("sec"));
  ASSERT_TRUE(client.sendAll("ond\nthird\n"));
  test::runInLoopAndWait(server.loop(), [&] { serverSide->startRead(); });
  EXPECT_EQ(client.readExactly(13), "second\nthird\n");
  test::runInLoopAndWait(server.loop(), [&] { serverSide.reset(); });
}

// Two connections receive in the same iteration (the loop is held while
// both clients send); the first callback stops the other connection's
// reading and queues its restart. The other's bytes, reported but not
// collected, must reach it once it reads again, though nothing new arrives.
TEST(UringCompletionTest, BytesHeldForAConnectionThatStoppedReadingReachItWhenItReadsAgain) {
  test::ConnectionLog log;
  std::vector<TcpConnectionPtr> connections;  // loop thread only
  bool acted = false;                         // loop thread only
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback(log.callback([&](const TcpConnectionPtr& conn) {
      if (conn->connected()) connections.push_back(conn);
    }));
    s.setMessageCallback([&](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      if (!acted) {
        acted = true;
        for (const TcpConnectionPtr& other : connections) {
          if (other == conn) continue;
          other->stopRead();
          conn->getLoop()->queueInLoop([other] { other->startRead(); });
        }
      }
      echoLines(conn, buf, Timestamp());
    });
  });
  BlockingSocket first;
  BlockingSocket second;
  ASSERT_EQ(first.connect(server.address()), 0);
  ASSERT_EQ(second.connect(server.address()), 0);
  ASSERT_TRUE(log.waitForUps(2));
  whileLoopIsHeld(server.loop(), [&] {
    ASSERT_TRUE(first.sendAll("first\n"));
    ASSERT_TRUE(second.sendAll("second\n"));
  });
  EXPECT_EQ(first.readExactly(6), "first\n");
  EXPECT_EQ(second.readExactly(7), "second\n");
  test::runInLoopAndWait(server.loop(), [&] { connections.clear(); });
}

// A reply that goes out whole with nothing else waiting on it is taken by
// the connection inside the poll (CompletionIo's SentWhole hook), without
// a writable event: its bytes still count at once. Once a write-complete
// callback is set the hook declines, and the callback fires for each reply;
// a shutdown queued behind a reply still half-closes after it.
TEST(UringCompletionTest, RepliesTakenInsideThePollCountEveryByteAndKeepTheirCallbacks) {
  constexpr int kRounds = 50;
  TcpConnectionPtr connection;  // loop thread only
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (conn->connected()) connection = conn;
    });
    s.setMessageCallback(test::echo);
  });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  const std::string ping = "ping-123";
  for (int i = 0; i < kRounds; ++i) {
    ASSERT_TRUE(client.sendAll(ping));
    ASSERT_EQ(client.readExactly(ping.size()), ping);
    // The client has the reply, so the server reaped its send before it
    // runs this: nothing may still count as queued, nothing be missing.
    uint64_t sent = 0;
    size_t queued = 1;
    test::runInLoopAndWait(server.loop(), [&] {
      sent = connection->bytesSent();
      queued = connection->queuedOutputBytes();
    });
    ASSERT_EQ(sent, (i + 1) * ping.size());
    ASSERT_EQ(queued, 0u);
  }
  std::atomic<int> completions{0};
  test::runInLoopAndWait(server.loop(), [&] {
    connection->setWriteCompleteCallback(
        [&](const TcpConnectionPtr&) { completions.fetch_add(1); });
  });
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.sendAll(ping));
    ASSERT_EQ(client.readExactly(ping.size()), ping);
  }
  test::runInLoopAndWait(server.loop(),
                         [&] { EXPECT_EQ(connection->bytesSent(), (kRounds + 3) * ping.size()); });
  // Write-complete callbacks are queued behind the events: one more turn.
  test::runInLoopAndWait(server.loop(), [] {});
  EXPECT_EQ(completions.load(), 3);
  test::runInLoopAndWait(server.loop(), [&] {
    connection->setWriteCompleteCallback(nullptr);
    connection->send("last");
    connection->shutdown();
  });
  int error = -1;
  EXPECT_EQ(client.readToEnd(&error), "last");
  EXPECT_EQ(error, 0);
  test::runInLoopAndWait(server.loop(), [&] { connection.reset(); });
}

}  // namespace
}  // namespace muduo::net
