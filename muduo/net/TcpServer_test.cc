#include "muduo/net/TcpServer.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/EventLoopThreadPool.h"
#include "muduo/net/SocketsOps.h"
#include "muduo/net/TcpConnection.h"
#include "muduo/net/TestUtil.h"

namespace muduo::net {
namespace {

using namespace std::chrono_literals;
using test::BlockingSocket;
using test::ConnectionLog;
using test::runInLoopAndWait;
using test::ServerThread;

// Raises the soft descriptor limit to the hard one when it is below `needed`.
bool haveDescriptors(rlim_t needed) {
  struct rlimit rl;
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return false;
  if (rl.rlim_cur >= needed) return true;
  rl.rlim_cur = rl.rlim_max;
  return ::setrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= needed;
}

// A server made in `loop` by the test itself, destroyed in that loop's thread
// however the test ends.
struct ServerInLoop {
  explicit ServerInLoop(EventLoop* l) : loop(l) {}
  ~ServerInLoop() {
    runInLoopAndWait(loop, [this] { server.reset(); });
  }
  EventLoop* const loop;
  std::unique_ptr<TcpServer> server;
};

int highestOpenFd() {
  int highest = -1;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  const int own = ::dirfd(dir);
  while (const struct dirent* entry = ::readdir(dir)) {
    const int fd = std::atoi(entry->d_name);
    if (entry->d_name[0] != '.' && fd != own) highest = std::max(highest, fd);
  }
  ::closedir(dir);
  return highest;
}

// Lowers RLIMIT_NOFILE and fills every free descriptor below it; undoes both
// when it goes out of scope, whatever the test's assertions did.
class DescriptorExhaustion {
 public:
  DescriptorExhaustion() {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    struct rlimit low = saved_;
    low.rlim_cur = static_cast<rlim_t>(highestOpenFd() + 8);
    ok_ = ::setrlimit(RLIMIT_NOFILE, &low) == 0;
    // Bounded: at most the 8 slots above plus any holes below them.
    for (int i = 0; ok_ && i < 1024; ++i) {
      const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        exhausted_ = errno == EMFILE;
        break;
      }
      fillers_.push_back(fd);
    }
  }
  ~DescriptorExhaustion() { release(); }

  [[nodiscard]] bool exhausted() const { return ok_ && exhausted_; }
  // Frees one descriptor slot: the next open(2) or socket(2) gets it.
  void freeOne() {
    if (fillers_.empty()) return;
    ::close(fillers_.back());
    fillers_.pop_back();
  }
  void release() {
    for (int fd : fillers_) ::close(fd);
    fillers_.clear();
    if (ok_) ::setrlimit(RLIMIT_NOFILE, &saved_);
    ok_ = false;
  }

 private:
  struct rlimit saved_;
  bool ok_ = false;
  bool exhausted_ = false;
  std::vector<int> fillers_;
};

TEST(TcpServerTest, EchoesExactlyWhatTheClientSends) {
  ServerThread server([](TcpServer& s) { s.setMessageCallback(test::echo); });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);

  const std::string message = test::makePattern(0, 200 * 1000);
  ASSERT_TRUE(client.sendAll(message));
  const std::string reply = client.readExactly(message.size());
  EXPECT_EQ(reply.size(), message.size());
  EXPECT_TRUE(reply == message);
}

TEST(TcpServerTest, ThousandConcurrentConnectionsEachGetTheirOwnBytesBackOnTwoIoThreads) {
  constexpr int kConns = 1000;
  // Both ends live in this process: two descriptors per connection.
  if (!haveDescriptors(2 * kConns + 128)) GTEST_SKIP() << "RLIMIT_NOFILE too low";

  ConnectionLog log;
  ServerThread server([&log](TcpServer& s) {
    s.setThreadNum(2);
    s.setConnectionCallback(log.callback());
    s.setMessageCallback(test::echo);
  });

  struct Client {
    int fd = -1;
    std::string message;
    size_t sent = 0;
    std::string received;
  };
  std::vector<Client> clients(kConns);
  for (int i = 0; i < kConns; ++i) {
    Client& c = clients[static_cast<size_t>(i)];
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ASSERT_GE(c.fd, 0) << "client " << i;
    const int ret = ::connect(c.fd, server.address().getSockAddr(), server.address().sockAddrLen());
    ASSERT_TRUE(ret == 0 || errno == EINPROGRESS) << "client " << i << ": " << strerror(errno);
    c.message = "client " + std::to_string(i) + ":" + test::makePattern(i, 1000 + i % 7);
  }

  // Every client writes its message and reads the echo at the same time as
  // the others, until all are back or the deadline passes.
  std::vector<struct pollfd> pfds(kConns);
  int done = 0;
  const auto deadline = std::chrono::steady_clock::now() + 2 * test::kTimeout;
  while (done < kConns && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < kConns; ++i) {
      const Client& c = clients[static_cast<size_t>(i)];
      pfds[static_cast<size_t>(i)].fd = c.received.size() < c.message.size() ? c.fd : -1;
      pfds[static_cast<size_t>(i)].events =
          static_cast<short>(POLLIN | (c.sent < c.message.size() ? POLLOUT : 0));
      pfds[static_cast<size_t>(i)].revents = 0;
    }
    const int n = ::poll(pfds.data(), pfds.size(), 100);
    ASSERT_GE(n, 0) << strerror(errno);
    for (int i = 0; i < kConns; ++i) {
      Client& c = clients[static_cast<size_t>(i)];
      const short revents = pfds[static_cast<size_t>(i)].revents;
      if (revents == 0) continue;
      ASSERT_EQ(revents & (POLLERR | POLLNVAL), 0) << "client " << i;
      if ((revents & POLLOUT) && c.sent < c.message.size()) {
        const ssize_t w = ::write(c.fd, c.message.data() + c.sent, c.message.size() - c.sent);
        if (w > 0) c.sent += static_cast<size_t>(w);
      }
      if (revents & (POLLIN | POLLHUP)) {
        char buf[4096];
        const ssize_t r = ::read(c.fd, buf, sizeof buf);
        ASSERT_NE(r, 0) << "client " << i << " saw EOF after " << c.received.size() << " bytes";
        if (r > 0) {
          c.received.append(buf, static_cast<size_t>(r));
          if (c.received.size() >= c.message.size()) ++done;
        }
      }
    }
  }
  ASSERT_EQ(done, kConns) << "echoes still missing at the deadline";
  for (int i = 0; i < kConns; ++i) {
    const Client& c = clients[static_cast<size_t>(i)];
    EXPECT_TRUE(c.received == c.message) << "client " << i << " got someone else's bytes";
  }

  ASSERT_TRUE(log.waitForUps(kConns));
  // Round-robin over two loops: exactly half each, and never the base loop.
  std::map<EventLoop*, int> perLoop;
  for (const auto& [name, loop] : log.loops()) ++perLoop[loop];
  EXPECT_EQ(perLoop.size(), 2u);
  EXPECT_EQ(perLoop.count(server.loop()), 0u);
  for (const auto& [loop, count] : perLoop) EXPECT_EQ(count, kConns / 2);

  for (Client& c : clients) ::close(c.fd);
  ASSERT_TRUE(log.waitForDowns(kConns));
  EXPECT_EQ(log.numConnections(), static_cast<size_t>(kConns));
  EXPECT_TRUE(log.notUpThenDownOnce().empty()) << log.notUpThenDownOnce().front();
  server.drain();
  server.run([](TcpServer& s) { EXPECT_EQ(s.numConnections(), 0u); });
}

TEST(TcpServerTest, SpreadsConnectionsRoundRobinAndMapsEachHashToOneLoop) {
  constexpr int kThreads = 3;
  constexpr int kConns = 2 * kThreads;
  ConnectionLog log;
  ServerThread server([&log](TcpServer& s) {
    s.setThreadNum(kThreads);
    s.setConnectionCallback(log.callback());
  });
  std::vector<std::unique_ptr<BlockingSocket>> clients;
  for (int i = 0; i < kConns; ++i) {
    clients.push_back(std::make_unique<BlockingSocket>());
    ASSERT_EQ(clients.back()->connect(server.address()), 0);
  }
  ASSERT_TRUE(log.waitForUps(kConns));

  // Names end in "#<n>", n counting accepted connections from 1.
  std::map<int, EventLoop*> loopById;
  for (const auto& [name, loop] : log.loops()) {
    loopById[std::stoi(name.substr(name.rfind('#') + 1))] = loop;
  }
  ASSERT_EQ(loopById.size(), static_cast<size_t>(kConns));
  std::set<EventLoop*> distinct;
  for (int id = 1; id <= kThreads; ++id) {
    distinct.insert(loopById[id]);
    EXPECT_EQ(loopById[id], loopById[id + kThreads]) << "connection " << id;
  }
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kThreads));
  EXPECT_EQ(distinct.count(server.loop()), 0u);

  server.run([&distinct](TcpServer& s) {
    std::shared_ptr<EventLoopThreadPool> pool = s.threadPool();
    const std::vector<EventLoop*> all = pool->getAllLoops();
    EXPECT_EQ(std::set<EventLoop*>(all.begin(), all.end()), distinct);
    std::set<EventLoop*> hashed;
    for (size_t hash = 0; hash < 100; ++hash) {
      EXPECT_EQ(pool->getLoopForHash(hash), pool->getLoopForHash(hash)) << hash;
      hashed.insert(pool->getLoopForHash(hash));
    }
    EXPECT_EQ(hashed, distinct);
  });
}

TEST(TcpServerTest, ASecondServerSharesTheFirstServersIoLoopsAndOutlivesIt) {
  ConnectionLog log;
  ServerThread first([&log](TcpServer& s) {
    s.setThreadNum(2);
    s.setConnectionCallback(log.callback());
    s.setMessageCallback(test::echo);
  });
  const std::vector<EventLoop*> firstLoops = first.ioLoops();
  std::unique_ptr<TcpServer> second;
  InetAddress secondAddress;
  first.run([&](TcpServer& s) {
    second = std::make_unique<TcpServer>(first.loop(), InetAddress(0, true), "second");
    second->setThreadPool(s.threadPool());
    second->setConnectionCallback(log.callback());
    second->setMessageCallback(test::echo);
    second->start();
    secondAddress = second->listenAddress();
  });
  constexpr int kConns = 4;
  std::vector<std::unique_ptr<BlockingSocket>> clients;
  for (int i = 0; i < kConns; ++i) {
    clients.push_back(std::make_unique<BlockingSocket>());
    ASSERT_EQ(clients.back()->connect(secondAddress), 0);
    ASSERT_TRUE(clients.back()->sendAll("ping"));
    EXPECT_EQ(clients.back()->readExactly(4), "ping");
  }
  ASSERT_TRUE(log.waitForUps(kConns));
  for (const auto& [name, loop] : log.loops()) {
    EXPECT_NE(std::find(firstLoops.begin(), firstLoops.end(), loop), firstLoops.end())
        << name << " is not on one of the first server's I/O loops";
  }

  // The shared loops live as long as either server holds them.
  first.destroyServer();
  for (auto& client : clients) {
    ASSERT_TRUE(client->sendAll("still"));
    EXPECT_EQ(client->readExactly(5), "still");
  }
  runInLoopAndWait(first.loop(), [&second] { second.reset(); });
  ASSERT_TRUE(log.waitForDowns(kConns));
  EXPECT_TRUE(log.notUpThenDownOnce().empty());
}

TEST(TcpServerTest, StopClosesEveryConnectionAndRefusesNewOnes) {
  constexpr int kConns = 4;
  ConnectionLog log;
  ServerThread server([&log](TcpServer& s) {
    s.setThreadNum(2);
    s.setConnectionCallback(log.callback());
    s.setMessageCallback(test::echo);
  });
  std::vector<std::unique_ptr<BlockingSocket>> clients;
  for (int i = 0; i < kConns; ++i) {
    clients.push_back(std::make_unique<BlockingSocket>());
    ASSERT_EQ(clients.back()->connect(server.address()), 0);
  }
  ASSERT_TRUE(log.waitForUps(kConns));

  server.run([](TcpServer& s) { s.stop(); });

  for (auto& client : clients) {
    int error = -1;
    EXPECT_EQ(client->readToEnd(&error), "");
    EXPECT_EQ(error, 0) << strerror(error);
  }
  ASSERT_TRUE(log.waitForDowns(kConns));
  EXPECT_TRUE(log.notUpThenDownOnce().empty());

  BlockingSocket late;
  EXPECT_EQ(late.connect(server.address()), ECONNREFUSED);
  server.drain();
  server.run([](TcpServer& s) { EXPECT_EQ(s.numConnections(), 0u); });
  EXPECT_EQ(log.ups(), kConns);
}

TEST(TcpServerTest, ShutdownConnectionsDeliversQueuedOutputThenHalfCloses) {
  // Far more than the socket buffers hold: most of it is still queued in
  // the server when shutdownConnections() runs.
  constexpr size_t kBytes = 16 * 1024 * 1024;
  ConnectionLog log;
  CountDownLatch sent(1);
  ServerThread server([&log, &sent](TcpServer& s) {
    s.setThreadNum(1);
    s.setConnectionCallback(log.callback([&sent](const TcpConnectionPtr& conn) {
      if (!conn->connected()) return;
      conn->send(test::makePattern(0, kBytes));
      sent.countDown();
    }));
  });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  test::waitOrAbort(sent, "the server's send");

  server.run([](TcpServer& s) { s.shutdownConnections(); });
  BlockingSocket late;
  EXPECT_EQ(late.connect(server.address()), ECONNREFUSED);

  int error = -1;
  const std::string received = client.readToEnd(&error);
  EXPECT_EQ(error, 0) << strerror(error);
  EXPECT_EQ(received.size(), kBytes);
  EXPECT_TRUE(test::matchesPattern(0, received));
  // Half-closed, not closed: the connection goes when the client closes.
  EXPECT_EQ(log.downs(), 0);
  client.close();
  ASSERT_TRUE(log.waitForDowns(1));
  server.drain();
  server.run([](TcpServer& s) { EXPECT_EQ(s.numConnections(), 0u); });
}

TEST(TcpServerTest, DestroyingTheServerWithLiveConnectionsRunsEachDownCallbackOnce) {
  constexpr int kConns = 6;
  ConnectionLog log;
  ServerThread server([&log](TcpServer& s) {
    s.setThreadNum(2);
    s.setConnectionCallback(log.callback());
    s.setMessageCallback(test::echo);
  });
  std::vector<std::unique_ptr<BlockingSocket>> clients;
  for (int i = 0; i < kConns; ++i) {
    clients.push_back(std::make_unique<BlockingSocket>());
    ASSERT_EQ(clients.back()->connect(server.address()), 0);
  }
  ASSERT_TRUE(log.waitForUps(kConns));

  // The server's I/O threads run the down callbacks before they join, so
  // every one has run when the destructor returns.
  server.destroyServer();
  EXPECT_EQ(log.downs(), kConns);
  EXPECT_TRUE(log.notUpThenDownOnce().empty());
  for (auto& client : clients) {
    int error = -1;
    EXPECT_EQ(client->readToEnd(&error), "");
    EXPECT_EQ(error, 0) << strerror(error);
  }
  // Nothing left over runs later in the base loop.
  runInLoopAndWait(server.loop(), [] {});
  EXPECT_EQ(log.downs(), kConns);
}

// stop() hands each connection's close to its I/O loop, which then hands
// the bookkeeping back to the base loop; destroying the server in the same
// turn must not leave that bookkeeping pointing into the dead I/O loops.
TEST(TcpServerTest, DestroyingTheServerRightAfterStopIsClean) {
  constexpr int kConns = 6;
  for (int round = 0; round < 3; ++round) {
    ConnectionLog log;
    ServerThread server([&log](TcpServer& s) {
      s.setThreadNum(2);
      s.setConnectionCallback(log.callback());
    });
    std::vector<std::unique_ptr<BlockingSocket>> clients;
    for (int i = 0; i < kConns; ++i) {
      clients.push_back(std::make_unique<BlockingSocket>());
      ASSERT_EQ(clients.back()->connect(server.address()), 0);
    }
    ASSERT_TRUE(log.waitForUps(kConns));

    server.destroyServer([](TcpServer& s) { s.stop(); });
    runInLoopAndWait(server.loop(), [] {});
    runInLoopAndWait(server.loop(), [] {});
    EXPECT_EQ(log.downs(), kConns);
    EXPECT_TRUE(log.notUpThenDownOnce().empty());
  }
}

// Each I/O loop has its own idle wheel ticking in that loop; the server's
// destruction must stop the ticks before it frees the wheels, including on
// loops that hold no connection.
TEST(TcpServerTest, DestroyingAServerWithAnIdleTimeoutIsClean) {
  for (int round = 0; round < 5; ++round) {
    ConnectionLog log;
    ServerThread server([&log](TcpServer& s) {
      s.setThreadNum(2);
      s.setIdleTimeout(40ms);  // the shortest tick, 10 ms
      s.setConnectionCallback(log.callback());
    });
    BlockingSocket client;
    ASSERT_EQ(client.connect(server.address()), 0);
    ASSERT_TRUE(log.waitForUps(1));
    server.destroyServer();
    EXPECT_EQ(log.downs(), 1);
  }
}

TEST(TcpServerTest, RejectsAPendingConnectionWhenOutOfDescriptorsAndServesAgainAfterwards) {
  ServerThread server([](TcpServer& s) { s.setMessageCallback(test::echo); });
  BlockingSocket victim;  // made before the table fills up

  DescriptorExhaustion exhaustion;
  ASSERT_TRUE(exhaustion.exhausted());
  // The kernel completes the handshake; accept(2) then fails with EMFILE.
  ASSERT_EQ(victim.connect(server.address()), 0);
  char c;
  int error = 0;
  const ssize_t n = victim.readSome(&c, 1, &error);
  EXPECT_TRUE(n == 0 || (n < 0 && error == ECONNRESET))
      << "read returned " << n << ": " << strerror(error);
  int64_t rejected = 0;
  server.run([&rejected](TcpServer& s) { rejected = s.rejectedForFdLimit(); });
  EXPECT_GT(rejected, 0);
  exhaustion.release();

  BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  ASSERT_TRUE(client.sendAll("still serving"));
  EXPECT_EQ(client.readExactly(13), "still serving");
  server.run([rejected](TcpServer& s) { EXPECT_EQ(s.rejectedForFdLimit(), rejected); });
}

TEST(TcpServerTest, OutOfDescriptorsWithNoSpareToShedItPausesAcceptingInsteadOfSpinning) {
  EventLoopThread thread;
  EventLoop* loop = thread.startLoop();
  BlockingSocket victim;  // made before the table fills up
  ServerInLoop owner(loop);
  std::unique_ptr<TcpServer>& server = owner.server;
  {
    DescriptorExhaustion exhaustion;
    ASSERT_TRUE(exhaustion.exhausted());
    // One slot: the listening socket takes it, and the spare finds none.
    exhaustion.freeOne();
    runInLoopAndWait(loop, [&] {
      server = std::make_unique<TcpServer>(loop, InetAddress(0, true), "NoSpare");
      server->setMessageCallback(test::echo);
      server->start();
    });
    // The kernel completes the handshake; every accept(2) fails with EMFILE
    // and, with no spare, nothing can be turned away.
    ASSERT_EQ(victim.connect(server->listenAddress()), 0);
    int64_t before = 0;
    runInLoopAndWait(loop, [&] { before = loop->iteration(); });
    // A rate over an interval, so a sleep: spinning shows as thousands of
    // iterations, pausing as a few per back-off period.
    std::this_thread::sleep_for(300ms);
    int64_t after = 0;
    runInLoopAndWait(loop, [&] { after = loop->iteration(); });
    EXPECT_LT(after - before, 50) << "the loop spins on the pending connection";
    int64_t rejected = -1;
    runInLoopAndWait(loop, [&] { rejected = server->rejectedForFdLimit(); });
    EXPECT_EQ(rejected, 0);
    // Given back all at once, from the loop thread: freed one at a time
    // while the loop ran, the first would become the Acceptor's spare and
    // the next EMFILE would shed the waiting connection (correctly, but not
    // what this test is about).
    runInLoopAndWait(loop, [&] { exhaustion.release(); });
  }
  // Descriptors are back: accepting resumes after the back-off and the
  // connection that waited in the backlog is served.
  ASSERT_TRUE(victim.sendAll("waited"));
  EXPECT_EQ(victim.readExactly(6), "waited");
}

TEST(TcpServerTest, AServerOnAPortInUseReportsWhyAndStartDoesNotAbort) {
  ServerThread holder([](TcpServer&) {});
  const InetAddress taken = holder.address();
  holder.run([taken](TcpServer& s) {
    TcpServer second(s.getLoop(), taken, "Second");
    EXPECT_FALSE(second.listenStatus().ok());
    EXPECT_EQ(second.listenStatus().message(),
              "cannot listen on " + taken.toIpPort() + ": Address already in use");
    EXPECT_EQ(second.listenAddress(), taken);
    second.start();  // logs the reason; must neither abort nor accept
    EXPECT_TRUE(s.listenStatus().ok());
  });
  BlockingSocket client;
  EXPECT_EQ(client.connect(taken), 0) << "the first server still listens";
}

TEST(TcpServerTest, AServerOnAnAddressThatIsNotThisHostsReportsIt) {
  ServerThread holder([](TcpServer&) {});
  holder.run([](TcpServer& s) {
    // TEST-NET-1 (RFC 5737): never assigned to this host.
    TcpServer foreign(s.getLoop(), InetAddress("192.0.2.1", 0), "Foreign");
    EXPECT_EQ(foreign.listenStatus().message(),
              "cannot listen on 192.0.2.1:0: Cannot assign requested address");
  });
}

TEST(TcpServerTest, ListensAtConstructionSoAConnectionBeforeStartWaitsAndIsServed) {
  EventLoopThread thread;
  EventLoop* loop = thread.startLoop();
  ServerInLoop owner(loop);
  std::unique_ptr<TcpServer>& server = owner.server;
  runInLoopAndWait(loop, [&] {
    server = std::make_unique<TcpServer>(loop, InetAddress(0, true), "Early");
    server->setMessageCallback(test::echo);
  });
  BlockingSocket client;
  ASSERT_EQ(client.connect(server->listenAddress()), 0);
  ASSERT_TRUE(client.sendAll("early"));
  runInLoopAndWait(loop, [&] { server->start(); });
  EXPECT_EQ(client.readExactly(5), "early");
}

TEST(TcpServerTest, EchoesOverIpv6Loopback) {
  if (!test::ipv6LoopbackAvailable()) GTEST_SKIP() << "::1 is not available";
  ConnectionLog log;
  ServerThread server(
      [&log](TcpServer& s) {
        s.setConnectionCallback(log.callback());
        s.setMessageCallback(test::echo);
      },
      InetAddress(0, true, true));
  ASSERT_TRUE(server.address().isIpv6());
  EXPECT_EQ(server.address().toIp(), "::1");

  BlockingSocket client(AF_INET6);
  ASSERT_EQ(client.connect(server.address()), 0);
  const std::string message = test::makePattern(7, 50 * 1000);
  ASSERT_TRUE(client.sendAll(message));
  EXPECT_TRUE(client.readExactly(message.size()) == message);
  client.close();
  ASSERT_TRUE(log.waitForDowns(1));
  EXPECT_TRUE(log.notUpThenDownOnce().empty());
}

TEST(TcpServerTest, IdleTimeoutClosesASilentConnectionButNotOneThatKeepsTalking) {
  constexpr auto kIdle = 300ms;
  Mutex mutex;
  std::map<uint16_t, std::chrono::steady_clock::time_point> downAt;  // by peer port
  Condition downChanged;
  ServerThread server([&](TcpServer& s) {
    s.setIdleTimeout(kIdle);
    s.setMessageCallback(test::echo);
    s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
      if (conn->connected()) return;
      MutexLock lock(&mutex);
      downAt[conn->peerAddress().port()] = std::chrono::steady_clock::now();
      downChanged.notifyAll();
    });
  });
  auto localPort = [](const BlockingSocket& s) {
    return InetAddress(sockets::getLocalAddr(s.fd())).port();
  };

  const auto start = std::chrono::steady_clock::now();
  BlockingSocket silent;
  BlockingSocket talker;
  ASSERT_EQ(silent.connect(server.address()), 0);
  ASSERT_EQ(talker.connect(server.address()), 0);

  // The talker sends a byte every 50 ms from a timer in its own loop.
  EventLoopThread talkerThread;
  EventLoop* talkerLoop = talkerThread.startLoop();
  const int talkerFd = talker.fd();
  TimerId ticker = talkerLoop->runEvery(
      50ms, [talkerFd] { ASSERT_EQ(::send(talkerFd, "x", 1, MSG_NOSIGNAL), 1); });

  const auto waitForDown = [&](uint16_t port, std::chrono::steady_clock::time_point until) {
    MutexLock lock(&mutex);
    while (!downAt.contains(port)) {
      const auto left = until - std::chrono::steady_clock::now();
      if (left <= 0s) return false;
      downChanged.waitFor(&mutex, left);
    }
    return true;
  };
  ASSERT_TRUE(waitForDown(localPort(silent), start + test::kTimeout));
  int error = -1;
  EXPECT_EQ(silent.readToEnd(&error), "");
  {
    MutexLock lock(&mutex);
    EXPECT_GE(downAt[localPort(silent)] - start, kIdle);
  }
  // Three timeouts in, the talker is still there.
  EXPECT_FALSE(waitForDown(localPort(talker), start + 3 * kIdle));

  runInLoopAndWait(talkerLoop, [&] { talkerLoop->cancel(ticker); });
  std::string echoed = talker.readExactly(1);
  EXPECT_EQ(echoed, "x");
}

}  // namespace
}  // namespace muduo::net
