// What one peer can make a connection hold, and for how long: the output
// budget, the peer leaving while reading is paused, forceClose racing a
// close, and the request and idle timeouts.
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/TcpConnection.h"
#include "muduo/net/TcpServer.h"
#include "muduo/net/TestUtil.h"

namespace muduo::net {
namespace {

using namespace std::chrono_literals;
using test::BlockingSocket;
using test::ConnectionLog;
using test::runInLoopAndWait;
using test::ServerThread;

constexpr size_t kHigh = 256 * 1024;
constexpr size_t kLow = 64 * 1024;
constexpr size_t kResponse = 16 * 1024;

ConnectionOptions smallBudget() {
  ConnectionOptions options;
  options.outputHighWaterMark = kHigh;
  options.outputLowWaterMark = kLow;
  return options;
}

// A protocol that answers each '\n'-terminated request with kResponse bytes
// of the test pattern, as a well-behaved protocol does: it stops taking
// requests out of the input buffer while the output budget is exceeded.
struct BulkResponder {
  std::atomic<size_t> maxQueued{0};
  std::atomic<int> answered{0};

  MessageCallback callback() {
    return [this](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      while (!conn->outputBudgetExceeded()) {
        const char* eol = buf->findEOL();
        if (eol == nullptr) break;
        buf->retrieveUntil(eol + 1);
        const int n = answered.fetch_add(1);
        conn->send(test::makePattern(static_cast<uint64_t>(n) * kResponse, kResponse));
        const size_t queued = conn->queuedOutputBytes();
        size_t seen = maxQueued.load();
        while (queued > seen && !maxQueued.compare_exchange_weak(seen, queued)) {
        }
      }
    };
  }
};

TEST(TcpConnectionLimitsTest, APeerThatPipelinesAndNeverReadsIsHeldToTheOutputBudget) {
  constexpr int kRequests = 2000;  // 31 MiB of answers
  BulkResponder responder;
  ServerThread server([&](TcpServer& s) {
    s.setConnectionOptions(smallBudget());
    s.setMessageCallback(responder.callback());
  });
  BlockingSocket greedy;
  ASSERT_EQ(greedy.connect(server.address()), 0);
  // Every request in one write: they all sit in the server's input buffer
  // (or its kernel buffer) at once.
  ASSERT_TRUE(greedy.sendAll(std::string(kRequests, '\n')));

  // The greedy peer reads nothing. The server stops once the kernel's
  // buffers and its own budget are full; wait for it to settle.
  int settled = -1;
  for (int i = 0; i < 200 && settled != responder.answered.load(); ++i) {
    settled = responder.answered.load();
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_LT(responder.answered.load(), kRequests);
  EXPECT_LE(responder.maxQueued.load(), kHigh + kResponse);

  // Meanwhile another client is served normally.
  BlockingSocket polite;
  ASSERT_EQ(polite.connect(server.address()), 0);
  ASSERT_TRUE(polite.sendAll("\n"));
  EXPECT_EQ(polite.readExactly(kResponse).size(), kResponse);

  // Once the greedy peer reads, every answer arrives, in order: the requests
  // left in the input buffer were offered again as the budget drained.
  size_t got = 0;
  std::string chunk;
  std::vector<char> buf(256 * 1024);
  int error = 0;
  const size_t expected = static_cast<size_t>(kRequests) * kResponse;
  bool inOrder = true;
  while (got < expected) {
    const ssize_t n = greedy.readSome(buf.data(), std::min(buf.size(), expected - got), &error);
    if (n <= 0) break;
    // The polite client's answer took one slot of the pattern sequence;
    // check lengths here and the pattern only for the first answers.
    if (got < kResponse && !test::matchesPattern(got, std::string_view(buf.data(), n))) {
      inOrder = false;
    }
    got += static_cast<size_t>(n);
  }
  EXPECT_EQ(got, expected) << "error " << error;
  EXPECT_TRUE(inOrder);
  EXPECT_LE(responder.maxQueued.load(), kHigh + kResponse);
}

// Open descriptors of this process.
int countOpenFds() {
  int n = 0;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (::readdir(dir) != nullptr) ++n;
    ::closedir(dir);
  }
  return n;
}

TEST(TcpConnectionLimitsTest, QueuedFilesThatCanReopenHoldNoDescriptorWhileTheyWait) {
  constexpr int kFiles = 200;
  constexpr size_t kFileSize = 64 * 1024;
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/reopen_" + std::to_string(::getpid());
  {
    const std::string content = test::makePattern(0, kFileSize);
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fwrite(content.data(), 1, content.size(), f), content.size());
    std::fclose(f);
  }
  auto open = [path] { return UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)); };
  std::atomic<int> reopened{0};
  std::atomic<int> fdsBefore{0};
  std::atomic<int> fdsWhileQueued{0};
  CountDownLatch queued(1);
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (!conn->connected()) return;
      fdsBefore = countOpenFds();
      for (int i = 0; i < kFiles; ++i) {
        conn->sendFile(open(), 0, kFileSize, [&, open] {
          reopened.fetch_add(1);
          return open();
        });
      }
      fdsWhileQueued = countOpenFds();
      conn->shutdown();
      queued.countDown();
    });
  });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  ASSERT_TRUE(queued.waitFor(test::kTimeout));
  // At most the front file's: not one descriptor per queued file.
  EXPECT_LE(fdsWhileQueued.load() - fdsBefore.load(), 1);
  int error = -1;
  const std::string got = client.readToEnd(&error);
  EXPECT_EQ(error, 0);
  ASSERT_EQ(got.size(), kFiles * kFileSize);
  for (int i = 0; i < kFiles; ++i) {
    ASSERT_TRUE(test::matchesPattern(0, std::string_view(got).substr(i * kFileSize, kFileSize)))
        << "file " << i;
  }
  EXPECT_GT(reopened.load(), 0);
  ::unlink(path.c_str());
}

TEST(TcpConnectionLimitsTest, AQueuedFileThatCannotBeReopenedClosesTheConnection) {
  constexpr size_t kFirst = 32 << 20;
  ConnectionLog log;
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback(log.callback([](const TcpConnectionPtr& conn) {
      if (!conn->connected()) return;
      conn->sendFile(UniqueFd(::open("/dev/zero", O_RDONLY | O_CLOEXEC)), 0, kFirst);
      conn->sendFile(UniqueFd(::open("/dev/zero", O_RDONLY | O_CLOEXEC)), 0, 100,
                     [] { return UniqueFd(); });
    }));
  });
  BlockingSocket client;
  // A small window keeps the first file queued when the second comes.
  const int rcvbuf = 64 * 1024;
  ASSERT_EQ(::setsockopt(client.fd(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
  ASSERT_EQ(client.connect(server.address()), 0);
  int error = -1;
  const std::string got = client.readToEnd(&error);
  EXPECT_EQ(got.size(), kFirst);  // the first file whole, then the close
  ASSERT_TRUE(log.waitForDowns(1));
}

// The descriptor of the accepted socket whose peer is `peer`, found among
// this process's descriptors (the test's client and server share it).
int acceptedSocketOf(const InetAddress& peer) {
  int found = -1;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (dirent* entry = ::readdir(dir)) {
      const int fd = std::atoi(entry->d_name);
      sockaddr_in6 addr{};
      socklen_t len = sizeof addr;
      if (fd <= 2 || ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) continue;
      const InetAddress candidate = addr.sin6_family == AF_INET
                                        ? InetAddress(*reinterpret_cast<sockaddr_in*>(&addr))
                                        : InetAddress(addr);
      if (candidate.toIpPort() == peer.toIpPort()) found = fd;
    }
    ::closedir(dir);
  }
  return found;
}

// Files alone queued past the budget (no header bytes between them to make
// the write path look again): as the reader drains them below the low-water
// mark, reading must resume while files are still queued, not only once the
// last is out. Before the fix a peer that stopped reading at that point left
// its next request unread for good.
TEST(TcpConnectionLimitsTest, ReadingResumesAsQueuedFilesDrainBelowTheBudget) {
  constexpr size_t kFileSize = 16 * 1024;
  constexpr int kFiles = 64;  // 1 MiB queued
  constexpr size_t kTotal = kFiles * kFileSize;
  ConnectionOptions options;
  options.outputHighWaterMark = 512 * 1024;
  options.outputLowWaterMark = 256 * 1024;
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/drain_" + std::to_string(::getpid());
  {
    const std::string content = test::makePattern(0, kFileSize);
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fwrite(content.data(), 1, content.size(), f), content.size());
    std::fclose(f);
  }
  std::atomic<bool> requestSeen{false};
  std::atomic<bool> paused{false};
  CountDownLatch queued(1);
  ServerThread server([&](TcpServer& s) {
    s.setConnectionOptions(options);
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (!conn->connected()) return;
      // A small, fixed send buffer: the kernel holds a few KiB of the files,
      // so most of them wait in the connection's queue.
      const int sndbuf = 16 * 1024;
      const int fd = acceptedSocketOf(conn->peerAddress());
      if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
      for (int i = 0; i < kFiles; ++i) {
        conn->sendFile(UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), 0, kFileSize);
      }
      paused = conn->outputBudgetExceeded();
      queued.countDown();
    });
    s.setMessageCallback([&](const TcpConnectionPtr&, Buffer* buf, Timestamp) {
      buf->retrieveAll();
      requestSeen = true;
    });
  });
  BlockingSocket client;
  const int rcvbuf = 16 * 1024;
  ASSERT_EQ(::setsockopt(client.fd(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
  ASSERT_EQ(client.connect(server.address()), 0);
  ASSERT_TRUE(client.sendAll("\n"));
  // Not a byte read while the server queues: a reader keeping up would
  // keep the queue under the budget.
  ASSERT_TRUE(queued.waitFor(test::kTimeout));
  // Read until 200 KiB are left: under the low-water mark even if none of
  // it were in the kernel's buffers, and more than those buffers can hold,
  // so files are still queued in the server.
  std::vector<char> buf(16 * 1024);
  size_t got = 0;
  int error = 0;
  while (got < kTotal - 200 * 1024) {
    const ssize_t n =
        client.readSome(buf.data(), std::min(buf.size(), kTotal - 200 * 1024 - got), &error);
    ASSERT_GT(n, 0) << "error " << error;
    got += static_cast<size_t>(n);
  }
  EXPECT_TRUE(paused.load());
  // The reader stops here; the request must be read anyway.
  const auto deadline = std::chrono::steady_clock::now() + test::kTimeout;
  while (!requestSeen.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(requestSeen.load());
  while (got < kTotal) {
    const ssize_t n = client.readSome(buf.data(), std::min(buf.size(), kTotal - got), &error);
    ASSERT_GT(n, 0) << "error " << error;
    got += static_cast<size_t>(n);
  }
  ::unlink(path.c_str());
}

// The peer leaving must end a connection whose reading is paused, however
// it leaves. Before the fix the paused socket left epoll altogether.
TEST(TcpConnectionLimitsTest, APausedConnectionWhosePeerClosesGoesDown) {
  ConnectionLog log;
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback(log.callback([](const TcpConnectionPtr& conn) {
      if (conn->connected()) conn->stopRead();
    }));
  });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  ASSERT_TRUE(log.waitForUps(1));
  ASSERT_TRUE(client.sendAll("a request the server never reads"));
  client.close();
  ASSERT_TRUE(log.waitForDowns(1));
  server.run([](TcpServer& s) { EXPECT_EQ(s.numConnections(), 0u); });
}

TEST(TcpConnectionLimitsTest, APausedConnectionWhosePeerResetsGoesDown) {
  ConnectionLog log;
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback(log.callback([](const TcpConnectionPtr& conn) {
      if (conn->connected()) conn->stopRead();
    }));
  });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  ASSERT_TRUE(log.waitForUps(1));
  client.setLingerZero();
  client.close();
  ASSERT_TRUE(log.waitForDowns(1));
}

// HTTP/1.0 shape: the server stops reading while it works on a request,
// answers later from another thread, and shuts down; the peer reads the
// answer and closes. Before the fix the connection stayed for good.
TEST(TcpConnectionLimitsTest, AnAnswerThenShutdownWhileReadingIsPausedLeavesNothingBehind) {
  constexpr int kClients = 50;
  ConnectionLog log;
  EventLoopThread worker;
  EventLoop* workerLoop = worker.startLoop();
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback(log.callback());
    s.setMessageCallback([workerLoop](const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
      if (buf->findEOL() == nullptr) return;
      buf->retrieveAll();
      conn->stopRead();
      workerLoop->runAfter(20ms, [conn] {
        conn->send("answer\n");
        conn->shutdown();
      });
    });
  });
  std::vector<std::unique_ptr<BlockingSocket>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<BlockingSocket>());
    ASSERT_EQ(clients.back()->connect(server.address()), 0);
    ASSERT_TRUE(clients.back()->sendAll("GET\n"));
  }
  for (auto& client : clients) {
    int error = -1;
    EXPECT_EQ(client->readToEnd(&error), "answer\n");
    client->close();
  }
  ASSERT_TRUE(log.waitForDowns(kClients));
  server.drain();
  server.run([](TcpServer& s) { EXPECT_EQ(s.numConnections(), 0u); });
  EXPECT_TRUE(log.notUpThenDownOnce().empty());
}

TEST(TcpConnectionLimitsTest, ForceCloseRacingThePeersCloseGivesExactlyOneDownCallback) {
  constexpr int kRounds = 2000;
  ConnectionLog log;
  Mutex mutex;
  std::vector<TcpConnectionPtr> conns;
  Condition changed;
  ServerThread server([&](TcpServer& s) {
    s.setConnectionCallback(log.callback([&](const TcpConnectionPtr& conn) {
      if (!conn->connected()) return;
      MutexLock lock(&mutex);
      conns.push_back(conn);
      changed.notifyAll();
    }));
  });
  for (int round = 0; round < kRounds; ++round) {
    BlockingSocket client;
    ASSERT_EQ(client.connect(server.address()), 0);
    TcpConnectionPtr conn;
    {
      MutexLock lock(&mutex);
      const auto deadline = std::chrono::steady_clock::now() + test::kTimeout;
      while (conns.empty() && std::chrono::steady_clock::now() < deadline) {
        changed.waitFor(&mutex, deadline - std::chrono::steady_clock::now());
      }
      ASSERT_FALSE(conns.empty());
      conn = std::move(conns.back());
      conns.clear();
    }
    // The peer's FIN reaches the loop thread while this thread force-closes.
    std::thread closer([&client] { client.close(); });
    for (int i = 0; i < round % 7; ++i) std::this_thread::yield();
    conn->forceClose();
    closer.join();
    conn.reset();
  }
  ASSERT_TRUE(log.waitForDowns(kRounds));
  server.drain();
  EXPECT_EQ(log.downs(), kRounds);
  EXPECT_TRUE(log.notUpThenDownOnce().empty());
}

ConnectionOptions requestDeadline(std::chrono::milliseconds timeout, size_t minRate) {
  ConnectionOptions options;
  options.requestTimeout = timeout;
  options.minRequestBytesPerSecond = minRate;
  return options;
}

// Consumes complete lines and echoes them; a partial line stays buffered.
void echoLines(const TcpConnectionPtr& conn, Buffer* buf, Timestamp) {
  while (const char* eol = buf->findEOL()) {
    conn->send(std::string_view(buf->peek(), eol + 1 - buf->peek()));
    buf->retrieveUntil(eol + 1);
  }
}

TEST(TcpConnectionLimitsTest, ARequestThatNeverCompletesIsClosedByTheRequestDeadline) {
  constexpr int kSlow = 200;
  ConnectionLog log;
  ServerThread server([&](TcpServer& s) {
    s.setThreadNum(1);
    s.setConnectionOptions(requestDeadline(300ms, 1024));
    s.setConnectionCallback(log.callback());
    s.setMessageCallback(echoLines);
  });
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<BlockingSocket>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<BlockingSocket>());
    ASSERT_EQ(slow.back()->connect(server.address()), 0);
    ASSERT_TRUE(slow.back()->sendAll("GET / HTTP/1.1"));  // and nothing more
  }
  // A client that completes its requests promptly is never cut off.
  BlockingSocket prompt;
  ASSERT_EQ(prompt.connect(server.address()), 0);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(prompt.sendAll("ping\n"));
    ASSERT_EQ(prompt.readExactly(5), "ping\n");
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(log.waitForDowns(kSlow));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  for (auto& s : slow) {
    int error = -1;
    EXPECT_EQ(s->readToEnd(&error), "");
  }
  ASSERT_TRUE(prompt.sendAll("still\n"));
  EXPECT_EQ(prompt.readExactly(6), "still\n");
}

TEST(TcpConnectionLimitsTest, ABodyThatKeepsArrivingAtTheMinimumRateIsNotCutOff) {
  ConnectionLog log;
  ServerThread server([&](TcpServer& s) {
    s.setConnectionOptions(requestDeadline(200ms, 1000));
    s.setConnectionCallback(log.callback());
    s.setMessageCallback(echoLines);
  });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  // 100 bytes every 40 ms is 2500 B/s, well over the minimum: a second of
  // an incomplete request that keeps growing.
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(client.sendAll(std::string(100, 'b')));
    std::this_thread::sleep_for(40ms);
  }
  ASSERT_TRUE(client.sendAll("\n"));
  EXPECT_EQ(client.readExactly(2501).size(), 2501u);
  EXPECT_EQ(log.downs(), 0);
}

TEST(TcpConnectionLimitsTest, ALongDownloadToASlowReaderIsNotIdle) {
  constexpr size_t kTotal = 16 << 20;
  ConnectionLog log;
  ServerThread server([&](TcpServer& s) {
    s.setIdleTimeout(200ms);
    s.setConnectionCallback(log.callback([](const TcpConnectionPtr& conn) {
      if (conn->connected()) conn->send(test::makePattern(0, kTotal));
    }));
  });
  BlockingSocket client;
  // A small receive window, as over a real network: most of what waits for
  // the client is in the server's kernel send queue, not in the client's.
  const int rcvbuf = 64 * 1024;
  ASSERT_EQ(::setsockopt(client.fd(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
  ASSERT_EQ(client.connect(server.address()), 0);
  // Reads 64 KiB every 10 ms: well over a second of download during which
  // the client sends nothing at all.
  std::string got;
  std::vector<char> buf(64 * 1024);
  int error = 0;
  const auto start = std::chrono::steady_clock::now();
  while (got.size() < kTotal && std::chrono::steady_clock::now() - start < 20s) {
    const ssize_t n = client.readSome(buf.data(), buf.size(), &error);
    if (n <= 0) break;
    got.append(buf.data(), static_cast<size_t>(n));
    std::this_thread::sleep_for(10ms);
  }
  // A close while output still waited in the server would have cut it short.
  EXPECT_EQ(got.size(), kTotal) << "error " << error;
  // Silent both ways, it is idle.
  ASSERT_TRUE(log.waitForDowns(1));
}

}  // namespace
}  // namespace muduo::net
