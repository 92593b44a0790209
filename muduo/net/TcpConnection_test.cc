#include "muduo/net/TcpConnection.h"

#include <fcntl.h>
#include <unistd.h>

#include <any>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/SocketsOps.h"
#include "muduo/net/TcpClient.h"
#include "muduo/net/TcpServer.h"
#include "muduo/net/TestUtil.h"

namespace muduo::net {
namespace {

using namespace std::chrono_literals;
using test::BlockingSocket;
using test::ConnectionLog;
using test::runInLoopAndWait;
using test::ServerThread;

// Hands the server's newest connection to the test thread.
class ConnectionSlot {
 public:
  [[nodiscard]] ConnectionCallback callback() {
    return [this](const TcpConnectionPtr& conn) {
      if (!conn->connected()) return;
      MutexLock lock(&mutex_);
      conn_ = conn;
      cond_.notifyAll();
    };
  }
  // Waits up to kTimeout for a connection.
  [[nodiscard]] TcpConnectionPtr take() {
    const auto deadline = std::chrono::steady_clock::now() + test::kTimeout;
    MutexLock lock(&mutex_);
    while (conn_ == nullptr && std::chrono::steady_clock::now() < deadline) {
      cond_.waitFor(&mutex_, deadline - std::chrono::steady_clock::now());
    }
    TcpConnectionPtr conn;
    conn.swap(conn_);
    return conn;
  }

 private:
  Mutex mutex_;
  Condition cond_;
  TcpConnectionPtr conn_ ABSL_GUARDED_BY(mutex_);
};

// Splits input into lines and hands each (without '\n') to `handle`.
MessageCallback lines(std::function<void(const TcpConnectionPtr&, const std::string&)> handle) {
  return [handle = std::move(handle)](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
    while (const char* eol = buf->findEOL()) {
      const std::string line(buf->peek(), eol);
      buf->retrieveUntil(eol + 1);
      handle(conn, line);
    }
  };
}

TEST(TcpConnectionTest, SlowReaderGetsAll64MiBInOrderWhileTheHighWaterMarkFires) {
  constexpr uint64_t kTotal = 64 << 20;
  constexpr size_t kHighWaterMark = 4 << 20;
  constexpr uint64_t kPauseEvery = 1 << 20;
  const std::string payload = test::makePattern(0, kTotal);

  std::atomic<int> highWaterHits{0};
  std::atomic<size_t> highWaterQueued{0};
  std::atomic<uint64_t> serverSent{0};
  CountDownLatch allWritten(1);
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (!conn->connected()) return;
      conn->setHighWaterMarkCallback(
          [&](const TcpConnectionPtr&, size_t queued) {
            ++highWaterHits;
            highWaterQueued = queued;
          },
          kHighWaterMark);
      conn->send(payload);
    });
    s.setWriteCompleteCallback([&](const TcpConnectionPtr& conn) {
      serverSent = conn->bytesSent();
      if (conn->bytesSent() == kTotal) allWritten.countDown();
    });
  });

  // The client pauses reading after every MiB and resumes from a timer, so
  // the server's output queue stays long.
  EventLoopThread clientThread;
  EventLoop* clientLoop = clientThread.startLoop();
  std::unique_ptr<TcpClient> client;
  uint64_t received = 0;  // client loop only
  uint64_t sincePause = 0;
  int pauses = 0;
  int64_t firstMismatch = -1;
  CountDownLatch allReceived(1);
  runInLoopAndWait(clientLoop, [&] {
    client = std::make_unique<TcpClient>(clientLoop, server.address(), "slow-reader");
    client->setMessageCallback([&](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      if (firstMismatch < 0 && !test::matchesPattern(received, buf->view())) {
        firstMismatch = static_cast<int64_t>(received);
      }
      received += buf->readableBytes();
      sincePause += buf->readableBytes();
      buf->retrieveAll();
      if (received >= kTotal) {
        allReceived.countDown();
      } else if (sincePause >= kPauseEvery) {
        sincePause = 0;
        ++pauses;
        conn->stopRead();
        clientLoop->runAfter(2ms, [weak = std::weak_ptr<TcpConnection>(conn)] {
          if (TcpConnectionPtr c = weak.lock()) c->startRead();
        });
      }
    });
    client->connect();
  });

  ASSERT_TRUE(allReceived.waitFor(6 * test::kTimeout));
  ASSERT_TRUE(allWritten.waitFor(test::kTimeout));
  runInLoopAndWait(clientLoop, [&] {
    EXPECT_EQ(received, kTotal);
    EXPECT_EQ(firstMismatch, -1);
    // One pause per delivery that passes 1 MiB. A read delivers at most
    // tens of KiB; a completion-mode loop (MUDUO_USE_URING=io) delivers what
    // one wait brought in, up to its 2 MiB buffer ring: 64 / (1 + 2) > 20.
    EXPECT_GE(pauses, 20);
    ASSERT_NE(client->connection(), nullptr);
    EXPECT_EQ(client->connection()->bytesReceived(), kTotal);
  });
  EXPECT_EQ(serverSent.load(), kTotal);
  EXPECT_GE(highWaterHits.load(), 1);
  EXPECT_GE(highWaterQueued.load(), kHighWaterMark);
  runInLoopAndWait(clientLoop, [&] { client.reset(); });
}

class TcpConnectionShutdownTest : public ::testing::TestWithParam<size_t> {};

TEST_P(TcpConnectionShutdownTest, DeliversEveryQueuedByteThenEofAndKeepsReading) {
  const std::string payload = test::makePattern(0, GetParam());
  ConnectionLog log;
  Mutex mutex;
  std::string afterShutdown;
  CountDownLatch gotReply(1);
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback(log.callback([&](const TcpConnectionPtr& conn) {
      if (!conn->connected()) return;
      conn->send(payload);
      conn->shutdown();
    }));
    s.setMessageCallback(lines([&](const TcpConnectionPtr&, const std::string& line) {
      MutexLock lock(&mutex);
      afterShutdown = line;
      gotReply.countDown();
    }));
  });

  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  int error = -1;
  const std::string got = client.readToEnd(&error);
  EXPECT_EQ(error, 0) << strerror(error);
  EXPECT_EQ(got.size(), payload.size());
  EXPECT_TRUE(test::matchesPattern(0, got));

  // Only the server's sending side is closed: it still hears us.
  ASSERT_TRUE(client.sendAll("half-closed\n"));
  ASSERT_TRUE(gotReply.waitFor(test::kTimeout));
  {
    MutexLock lock(&mutex);
    EXPECT_EQ(afterShutdown, "half-closed");
  }
  EXPECT_EQ(log.downs(), 0);
  client.close();
  ASSERT_TRUE(log.waitForDowns(1));
  EXPECT_TRUE(log.notUpThenDownOnce().empty());
}

INSTANTIATE_TEST_SUITE_P(SmallAndLarge, TcpConnectionShutdownTest,
                         ::testing::Values(size_t{100}, size_t{8} << 20));

TEST(TcpConnectionTest, PeerResetWhileTheServerSendsEndsThatConnectionOnceAndOthersCarryOn) {
  const std::string big = test::makePattern(0, 32 << 20);
  ConnectionLog log;
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback(log.callback());
    s.setMessageCallback(lines([&big](const TcpConnectionPtr& conn, const std::string& line) {
      if (line == "big") {
        conn->send(big);
      } else {
        conn->send(line + "\n");
      }
    }));
  });

  BlockingSocket victim;
  ASSERT_EQ(victim.connect(server.address()), 0);
  ASSERT_TRUE(victim.sendAll("big\n"));
  EXPECT_TRUE(test::matchesPattern(0, victim.readExactly(64 * 1024)));
  victim.setLingerZero();
  victim.close();  // RST while megabytes are still queued for us
  ASSERT_TRUE(log.waitForDowns(1));

  BlockingSocket other;
  ASSERT_EQ(other.connect(server.address()), 0);
  ASSERT_TRUE(other.sendAll("ping\n"));
  EXPECT_EQ(other.readExactly(5), "ping\n");
  other.close();
  ASSERT_TRUE(log.waitForDowns(2));
  server.drain();
  EXPECT_EQ(log.downs(), 2);
  EXPECT_TRUE(log.notUpThenDownOnce().empty());
}

TEST(TcpConnectionTest, ForceCloseFromAnotherThreadClosesAtOnceAndOnlyOnce) {
  ConnectionLog log;
  ConnectionSlot slot;
  ServerThread server(
      [&](TcpServer& s) { s.setConnectionCallback(log.callback(slot.callback())); });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  TcpConnectionPtr conn = slot.take();
  ASSERT_NE(conn, nullptr);

  conn->forceClose();
  conn->forceClose();
  int error = -1;
  EXPECT_EQ(client.readToEnd(&error), "");
  EXPECT_EQ(error, 0) << strerror(error);
  ASSERT_TRUE(log.waitForDowns(1));
  server.drain();
  EXPECT_TRUE(conn->disconnected());
  EXPECT_EQ(log.downs(), 1);
  conn->send(std::string_view("dropped"));  // harmless once closed
  conn.reset();
}

TEST(TcpConnectionTest, ForceCloseWithDelayClosesOnlyAfterTheDelay) {
  constexpr auto kDelay = 200ms;
  using Clock = std::chrono::steady_clock;
  Clock::time_point requestedAt;  // server loop only until the down latch
  Clock::time_point closedAt;
  CountDownLatch closed(1);
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (conn->connected()) return;
      closedAt = Clock::now();
      closed.countDown();
    });
    s.setMessageCallback(lines([&](const TcpConnectionPtr& conn, const std::string& line) {
      ASSERT_EQ(line, "close-later");
      conn->send(std::string_view("ok\n"));
      requestedAt = Clock::now();
      conn->forceCloseWithDelay(kDelay);
    }));
  });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  ASSERT_TRUE(client.sendAll("close-later\n"));
  int error = -1;
  EXPECT_EQ(client.readToEnd(&error), "ok\n");
  EXPECT_EQ(error, 0) << strerror(error);
  ASSERT_TRUE(closed.waitFor(test::kTimeout));
  EXPECT_GE(closedAt - requestedAt, kDelay);
}

TEST(TcpConnectionTest, ForceCloseWithDelayIsHarmlessWhenThePeerClosesFirst) {
  constexpr auto kDelay = 100ms;
  ConnectionLog log;
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback(log.callback([&](const TcpConnectionPtr& conn) {
      if (conn->connected()) conn->forceCloseWithDelay(kDelay);
    }));
  });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  ASSERT_TRUE(log.waitForUps(1));
  client.close();
  ASSERT_TRUE(log.waitForDowns(1));

  // Timers fire in deadline order: once this one has, so has the close's.
  CountDownLatch pastDelay(1);
  server.loop()->runAfter(2 * kDelay, [&pastDelay] { pastDelay.countDown(); });
  ASSERT_TRUE(pastDelay.waitFor(test::kTimeout));
  EXPECT_EQ(log.downs(), 1);
  EXPECT_TRUE(log.notUpThenDownOnce().empty());
}

TEST(TcpConnectionTest, SendFromAnotherThreadDeliversEveryOverloadInOrder) {
  ConnectionSlot slot;
  ServerThread server([&](TcpServer& s) { s.setConnectionCallback(slot.callback()); });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  TcpConnectionPtr conn = slot.take();
  ASSERT_NE(conn, nullptr);

  std::string expected;
  for (int i = 0; i < 3000; ++i) {
    std::string message = "message " + std::to_string(i) + "\n";
    // Now and then a large one, so later sends queue behind it.
    if (i % 500 == 0) message += test::makePattern(i, 256 * 1024) + "\n";
    expected += message;
    switch (i % 3) {
      case 0:
        conn->send(std::string_view(message));
        break;
      case 1:
        conn->send(std::move(message));
        break;
      default: {
        Buffer buffer;
        buffer.append(message);
        conn->send(&buffer);
        EXPECT_EQ(buffer.readableBytes(), 0u) << "send(Buffer*) takes the bytes";
        break;
      }
    }
  }
  const std::string got = client.readExactly(expected.size());
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
  conn.reset();
}

TEST(TcpConnectionTest, ALoopThreadSendDoesNotOvertakeAnEarlierSendFromAnotherThread) {
  ConnectionSlot slot;
  ServerThread server([&](TcpServer& s) { s.setConnectionCallback(slot.callback()); });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  TcpConnectionPtr conn = slot.take();
  ASSERT_NE(conn, nullptr);

  // The loop thread is held while the test thread sends "first", so that
  // send is still in transit when the loop thread sends "second" (ordered
  // after it by the latch) from the same functor.
  CountDownLatch firstSent(1);
  CountDownLatch secondSent(1);
  conn->getLoop()->runInLoop([&] {
    EXPECT_TRUE(firstSent.waitFor(test::kTimeout));
    conn->send(std::string_view("second\n"));
    secondSent.countDown();
  });
  conn->send(std::string_view("first\n"));
  firstSent.countDown();
  test::waitOrAbort(secondSent, "the loop thread's send");
  EXPECT_EQ(client.readExactly(13), "first\nsecond\n");
  conn.reset();
}

TEST(TcpConnectionTest, SendsToAnotherConnectionFromAnEventCallbackAllArriveBeforeItsShutdown) {
  // A's message callback fans out to B, as a chat room does: the sends are
  // gathered and written after the event, and B's shutdown waits for them.
  constexpr int kMessages = 1000;
  Mutex mutex;
  TcpConnectionPtr target;  // B, guarded by mutex
  std::string expected;
  for (int i = 0; i < kMessages; ++i) expected += "message " + std::to_string(i) + "\n";
  ConnectionSlot slot;
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback(slot.callback());
    s.setMessageCallback(lines([&](const TcpConnectionPtr&, const std::string& line) {
      if (line != "go") return;
      TcpConnectionPtr b;
      {
        MutexLock lock(&mutex);
        b = target;
      }
      for (int i = 0; i < kMessages; ++i) b->send("message " + std::to_string(i) + "\n");
      b->shutdown();
    }));
  });
  BlockingSocket a;
  ASSERT_EQ(a.connect(server.address()), 0);
  TcpConnectionPtr connA = slot.take();
  ASSERT_NE(connA, nullptr);
  BlockingSocket b;
  ASSERT_EQ(b.connect(server.address()), 0);
  {
    MutexLock lock(&mutex);
    target = slot.take();
    ASSERT_NE(target, nullptr);
  }
  ASSERT_TRUE(a.sendAll("go\n"));
  int error = -1;
  const std::string got = b.readToEnd(&error);
  EXPECT_EQ(error, 0) << "a clean EOF after the data";
  EXPECT_TRUE(got == expected) << got.size() << " bytes of " << expected.size();
  MutexLock lock(&mutex);
  target.reset();
}

TEST(TcpConnectionTest, ShutdownWaitsForASendStillInTransitFromAnotherThread) {
  ConnectionSlot slot;
  ServerThread server([&](TcpServer& s) { s.setConnectionCallback(slot.callback()); });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  TcpConnectionPtr conn = slot.take();
  ASSERT_NE(conn, nullptr);

  // The loop thread shuts down after the test thread's send (the latch
  // orders them) but before that send has reached the loop.
  CountDownLatch sent(1);
  CountDownLatch shutDown(1);
  conn->getLoop()->runInLoop([&] {
    EXPECT_TRUE(sent.waitFor(test::kTimeout));
    conn->shutdown();
    shutDown.countDown();
  });
  conn->send(std::string_view("last words\n"));
  sent.countDown();
  test::waitOrAbort(shutDown, "the loop thread's shutdown");
  int error = -1;
  EXPECT_EQ(client.readToEnd(&error), "last words\n");
  EXPECT_EQ(error, 0);
  conn.reset();
}

TEST(TcpConnectionTest, QueuedOutputBytesCountsWhatThePeerHasNotReadYet) {
  constexpr size_t kTotal = 32 << 20;  // more than the kernel buffers hold
  ConnectionSlot slot;
  ServerThread server([&](TcpServer& s) { s.setConnectionCallback(slot.callback()); });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  TcpConnectionPtr conn = slot.take();
  ASSERT_NE(conn, nullptr);
  EventLoop* loop = conn->getLoop();

  conn->send(test::makePattern(0, kTotal));
  size_t queued = 0;
  uint64_t sent = 0;
  runInLoopAndWait(loop, [&] {
    queued = conn->queuedOutputBytes();
    sent = conn->bytesSent();
  });
  EXPECT_EQ(queued + sent, kTotal);
  EXPECT_GT(queued, 0u) << "the client has read nothing";

  // A send still in transit to the held loop counts too.
  CountDownLatch release(1);
  CountDownLatch held(1);
  loop->runInLoop([&] {
    held.countDown();
    EXPECT_TRUE(release.waitFor(test::kTimeout));
  });
  test::waitOrAbort(held, "the loop to be held");
  const size_t before = conn->queuedOutputBytes();
  conn->send(std::string(1000, 'x'));
  EXPECT_EQ(conn->queuedOutputBytes(), before + 1000);
  release.countDown();

  const std::string got = client.readExactly(kTotal + 1000);
  ASSERT_EQ(got.size(), kTotal + 1000);
  EXPECT_TRUE(test::matchesPattern(0, std::string_view(got).substr(0, kTotal)));
  runInLoopAndWait(loop, [&] { queued = conn->queuedOutputBytes(); });
  EXPECT_EQ(queued, 0u);
  conn.reset();
}

TEST(TcpConnectionTest, ByteCountersOnBothEndsMatchTheBytesExchanged) {
  constexpr uint64_t kSize = 300 * 1000;
  std::atomic<uint64_t> serverReceived{0};
  std::atomic<uint64_t> serverSent{0};
  CountDownLatch serverDown(1);
  ServerThread server([&](TcpServer& s) {
    s.setMessageCallback(test::echo);
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (conn->connected()) return;
      serverReceived = conn->bytesReceived();
      serverSent = conn->bytesSent();
      serverDown.countDown();
    });
  });

  // The client sends kSize bytes, half-closes once all are echoed, and
  // reads its counters when the server's close arrives.
  EventLoopThread clientThread;
  EventLoop* clientLoop = clientThread.startLoop();
  std::unique_ptr<TcpClient> client;
  uint64_t echoed = 0;  // client loop only
  std::atomic<uint64_t> clientReceived{0};
  std::atomic<uint64_t> clientSent{0};
  CountDownLatch clientDown(1);
  runInLoopAndWait(clientLoop, [&] {
    client = std::make_unique<TcpClient>(clientLoop, server.address(), "counter");
    client->setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (conn->connected()) {
        conn->send(test::makePattern(0, kSize));
        return;
      }
      clientReceived = conn->bytesReceived();
      clientSent = conn->bytesSent();
      clientDown.countDown();
    });
    client->setMessageCallback([&](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      echoed += buf->readableBytes();
      buf->retrieveAll();
      if (echoed == kSize) conn->shutdown();
    });
    client->connect();
  });
  ASSERT_TRUE(serverDown.waitFor(test::kTimeout));
  ASSERT_TRUE(clientDown.waitFor(test::kTimeout));
  EXPECT_EQ(clientSent.load(), kSize);
  EXPECT_EQ(serverReceived.load(), kSize);
  EXPECT_EQ(serverSent.load(), kSize);
  EXPECT_EQ(clientReceived.load(), kSize);
  runInLoopAndWait(clientLoop, [&] { client.reset(); });
}

TEST(TcpConnectionTest, ContextSetWhenTheConnectionComesUpIsThereInEveryLaterCallback) {
  struct Session {
    std::string peer;
    uint64_t bytes = 0;
  };
  Mutex mutex;
  std::string peerSeen;
  uint64_t bytesCounted = 0;
  uint64_t bytesReceived = 0;
  bool typeKept = false;
  CountDownLatch down(1);
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (conn->connected()) {
        EXPECT_FALSE(conn->getContext().has_value());
        conn->setContext(Session{conn->peerAddress().toIpPort(), 0});
        return;
      }
      const Session* session = std::any_cast<Session>(&conn->getContext());
      MutexLock lock(&mutex);
      typeKept = conn->getContext().type() == typeid(Session);
      if (session != nullptr) {
        peerSeen = session->peer;
        bytesCounted = session->bytes;
      }
      bytesReceived = conn->bytesReceived();
      down.countDown();
    });
    s.setMessageCallback([](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      std::any_cast<Session>(conn->getMutableContext())->bytes += buf->readableBytes();
      buf->retrieveAll();
    });
  });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  const std::string clientAddress = InetAddress(sockets::getLocalAddr(client.fd())).toIpPort();
  ASSERT_TRUE(client.sendAll(test::makePattern(0, 10000)));
  client.close();
  ASSERT_TRUE(down.waitFor(test::kTimeout));
  MutexLock lock(&mutex);
  EXPECT_TRUE(typeKept);
  EXPECT_EQ(peerSeen, clientAddress);
  EXPECT_EQ(bytesCounted, 10000u);
  EXPECT_EQ(bytesReceived, 10000u);
}

TEST(TcpConnectionTest, WriteCompleteFiresOnceTheOutputHasDrained) {
  constexpr size_t kLarge = 4 << 20;
  Mutex mutex;
  Condition fired;
  int completions = 0;
  bool drainedEachTime = true;
  uint64_t sentAtLast = 0;
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback([](const TcpConnectionPtr& conn) {
      if (conn->connected()) conn->send(test::makePattern(0, kLarge));
    });
    s.setMessageCallback(test::echo);
    s.setWriteCompleteCallback([&](const TcpConnectionPtr& conn) {
      MutexLock lock(&mutex);
      ++completions;
      drainedEachTime = drainedEachTime && conn->outputBuffer()->readableBytes() == 0;
      sentAtLast = conn->bytesSent();
      fired.notifyAll();
    });
  });
  auto waitForCompletions = [&](int n) {
    const auto deadline = std::chrono::steady_clock::now() + test::kTimeout;
    MutexLock lock(&mutex);
    while (completions < n && std::chrono::steady_clock::now() < deadline) {
      fired.waitFor(&mutex, deadline - std::chrono::steady_clock::now());
    }
    return completions >= n;
  };

  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  EXPECT_TRUE(test::matchesPattern(0, client.readExactly(kLarge)));
  ASSERT_TRUE(waitForCompletions(1));
  {
    MutexLock lock(&mutex);
    EXPECT_EQ(completions, 1);
    EXPECT_EQ(sentAtLast, kLarge);
  }

  // A small reply goes straight to the kernel and completes too.
  ASSERT_TRUE(client.sendAll("ping"));
  EXPECT_EQ(client.readExactly(4), "ping");
  ASSERT_TRUE(waitForCompletions(2));
  MutexLock lock(&mutex);
  EXPECT_TRUE(drainedEachTime);
  EXPECT_EQ(sentAtLast, kLarge + 4);
}

TEST(TcpConnectionTest, AnEchoReadsEveryMessageIntoTheSameStorage) {
  // send(Buffer*) of the input moves its storage to the output; once written
  // it must come back, or a connection alternates between two buffers and
  // doubles its share of the caches.
  constexpr int kMessages = 6;
  Mutex mutex;
  std::vector<const char*> readInto;  // where each message began
  bool completion = false;
  ServerThread server([&](TcpServer& s) {
    s.setMessageCallback([&](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      {
        MutexLock lock(&mutex);
        readInto.push_back(buf->peek());
        completion = conn->getLoop()->completionIo() != nullptr;
      }
      conn->send(buf);
      EXPECT_EQ(buf->readableBytes(), 0u);
    });
  });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  for (int i = 0; i < kMessages; ++i) {
    // One size: a longer message could outgrow the storage and move it.
    const std::string message = test::makePattern(static_cast<uint64_t>(i) * 2000, 2000);
    ASSERT_TRUE(client.sendAll(message));
    ASSERT_EQ(client.readExactly(message.size()), message) << "message " << i;
  }
  MutexLock lock(&mutex);
  ASSERT_GE(readInto.size(), static_cast<size_t>(kMessages));
  // Completion mode's poller owns the receive buffers; nothing to check there.
  if (completion) return;
  for (size_t i = 1; i < readInto.size(); ++i) {
    EXPECT_EQ(readInto[i], readInto[0]) << "read " << i;
  }
}

TEST(TcpConnectionTest, StopReadPausesDeliveryUntilStartRead) {
  ConnectionSlot slot;
  Mutex mutex;
  std::string received;
  CountDownLatch gotMessage(1);
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback([publish = slot.callback()](const TcpConnectionPtr& conn) {
      if (conn->connected()) conn->stopRead();
      publish(conn);
    });
    s.setMessageCallback([&](const TcpConnectionPtr&, Buffer* buf, Timestamp) {
      MutexLock lock(&mutex);
      received += buf->retrieveAllAsString();
      gotMessage.countDown();
    });
  });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  TcpConnectionPtr conn = slot.take();
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(client.sendAll("hello"));

  // Absence cannot be awaited; give the loop a generous moment to misbehave.
  EXPECT_FALSE(gotMessage.waitFor(200ms));
  runInLoopAndWait(server.loop(), [&] { EXPECT_FALSE(conn->isReading()); });

  conn->startRead();  // from the test thread
  ASSERT_TRUE(gotMessage.waitFor(test::kTimeout));
  runInLoopAndWait(server.loop(), [&] { EXPECT_TRUE(conn->isReading()); });
  {
    MutexLock lock(&mutex);
    EXPECT_EQ(received, "hello");
  }
  conn.reset();
}

}  // namespace
}  // namespace muduo::net

namespace muduo::net {
namespace {

TEST(TcpConnectionTest, SendFileGoesOutInOrderBetweenSendsAndBeforeShutdown) {
  constexpr size_t kFileSize = 6 << 20;  // more than the socket buffers hold
  constexpr off_t kOffset = 100;
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/sendfile_" + std::to_string(::getpid());
  {
    const std::string content = test::makePattern(0, kFileSize);
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fwrite(content.data(), 1, content.size(), f), content.size());
    std::fclose(f);
  }
  const size_t length = kFileSize - kOffset - 50;
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (!conn->connected()) return;
      conn->send("head");
      conn->sendFile(UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), kOffset, length);
      conn->send("tail");
      conn->shutdown();
    });
  });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  int error = -1;
  const std::string got = client.readToEnd(&error);
  EXPECT_EQ(error, 0);
  ASSERT_EQ(got.size(), 4 + length + 4);
  EXPECT_EQ(got.substr(0, 4), "head");
  EXPECT_TRUE(test::matchesPattern(kOffset, std::string_view(got).substr(4, length)));
  EXPECT_EQ(got.substr(4 + length), "tail");
  ::unlink(path.c_str());
}

}  // namespace
}  // namespace muduo::net

namespace muduo::net {
namespace {

// The loop's connections read into one shared storage when they have nothing
// buffered (readiness mode). These tests leave bytes in the input buffer, or
// change it, and then let another connection read in between, which would
// overwrite anything left in the shared storage.
class SharedReadTest : public ::testing::Test {
 protected:
  static constexpr size_t kNoise = 48 * 1024;

  // A connection whose first bytes start with 'Z' is noise: everything it
  // sends is consumed, and answered "ok" once kNoise bytes have come. The
  // others go to `handle`. (Decided once per connection: a later read of
  // another connection may start with any byte.)
  void start(MessageCallback handle) {
    server_ = std::make_unique<ServerThread>([this, handle = std::move(handle)](TcpServer& s) {
      s.setConnectionCallback(log_.callback());
      s.setMessageCallback([this, handle](const TcpConnectionPtr& conn, Buffer* buf, Timestamp t) {
        if (!conn->getContext().has_value()) conn->setContext(*buf->peek() == 'Z');
        if (std::any_cast<bool>(conn->getContext())) {
          noiseSeen_ += buf->readableBytes();
          buf->retrieveAll();
          if (noiseSeen_ == kNoise) conn->send(std::string_view("ok"));
          return;
        }
        handle(conn, buf, t);
      });
    });
  }

  // One noise connection's read cycle through the shared storage.
  void readNoise() {
    noiseSeen_ = 0;  // the loop is idle: nothing of the last noise is left
    BlockingSocket noise;
    ASSERT_EQ(noise.connect(server_->address()), 0);
    ASSERT_TRUE(noise.sendAll(std::string(kNoise, 'Z')));
    ASSERT_EQ(noise.readExactly(2), "ok");
  }

  ConnectionLog log_;
  std::atomic<size_t> noiseSeen_{0};  // the loop thread's, reset by readNoise() while idle
  std::unique_ptr<ServerThread> server_;
};

TEST_F(SharedReadTest, BytesTheCallbackLeavesSurviveAnotherConnectionsRead) {
  start(lines([](const TcpConnectionPtr& conn, const std::string& line) {
    conn->send("got " + line + "\n");
  }));
  BlockingSocket client;
  ASSERT_EQ(client.connect(server_->address()), 0);
  ASSERT_TRUE(client.sendAll("hello\nwor"));
  ASSERT_EQ(client.readExactly(10), "got hello\n");
  readNoise();
  ASSERT_TRUE(client.sendAll("ld\n"));
  EXPECT_EQ(client.readExactly(10), "got world\n");
}

TEST_F(SharedReadTest, WhatTheCallbackAppendsAndPrependsSurvivesAnotherConnectionsRead) {
  start([](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
    if (buf->view() == "abc") {
      // Kept for the next call, framed on both sides.
      buf->prepend("<", 1);
      buf->append(">");
      conn->send(std::string_view("kept\n"));
    } else if (buf->view().ends_with("def")) {
      conn->send(buf->retrieveAllAsString() + "\n");
    }
  });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server_->address()), 0);
  ASSERT_TRUE(client.sendAll("abc"));
  ASSERT_EQ(client.readExactly(5), "kept\n");
  readNoise();
  ASSERT_TRUE(client.sendAll("def"));
  EXPECT_EQ(client.readExactly(9), "<abc>def\n");
}

TEST_F(SharedReadTest, ClosingInsideTheCallbackWithBytesLeftLeavesTheLoopReadingForOthers) {
  start([](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
    if (buf->view().starts_with("close")) {
      buf->retrieve(2);  // and leaves the rest
      conn->forceClose();
    } else {
      conn->send(buf);
    }
  });
  BlockingSocket closer;
  ASSERT_EQ(closer.connect(server_->address()), 0);
  ASSERT_TRUE(closer.sendAll("close me"));
  int error = 0;
  EXPECT_EQ(closer.readToEnd(&error), "");
  EXPECT_EQ(error, 0);
  ASSERT_TRUE(log_.waitForDowns(1));
  readNoise();
  BlockingSocket echo;
  ASSERT_EQ(echo.connect(server_->address()), 0);
  ASSERT_TRUE(echo.sendAll("still here"));
  EXPECT_EQ(echo.readExactly(10), "still here");
}

TEST_F(SharedReadTest, EchoesOfLargeMessagesOnTwoConnectionsArriveIntact) {
  // The echo's output outlives the callback (the peer reads slower than we
  // write), so the output keeps the storage it was read into.
  constexpr size_t kBytes = 2 << 20;
  start([](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) { conn->send(buf); });
  BlockingSocket a;
  BlockingSocket b;
  ASSERT_EQ(a.connect(server_->address()), 0);
  ASSERT_EQ(b.connect(server_->address()), 0);
  std::string gotA;
  std::string gotB;
  std::thread readA([&] { gotA = a.readExactly(kBytes); });
  std::thread readB([&] { gotB = b.readExactly(kBytes); });
  const std::string patternA = test::makePattern(0, kBytes);
  const std::string patternB = test::makePattern(7, kBytes);
  for (size_t off = 0; off < kBytes; off += 64 * 1024) {
    EXPECT_TRUE(a.sendAll(std::string_view(patternA).substr(off, 64 * 1024)));
    EXPECT_TRUE(b.sendAll(std::string_view(patternB).substr(off, 64 * 1024)));
  }
  readA.join();
  readB.join();
  ASSERT_EQ(gotA.size(), kBytes);
  ASSERT_EQ(gotB.size(), kBytes);
  EXPECT_TRUE(gotA == patternA);
  EXPECT_TRUE(gotB == patternB);
}

}  // namespace
}  // namespace muduo::net
