#include "muduo/net/TcpClient.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/SocketsOps.h"
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

// A loopback port nobody listens on: bound by the kernel's choice, then
// released. Connecting to it is refused until someone binds it again.
InetAddress unusedLoopbackAddress() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  InetAddress addr(0, true);
  ::bind(fd, addr.getSockAddr(), addr.sockAddrLen());
  addr = InetAddress(sockets::getLocalAddr(fd));
  ::close(fd);
  return addr;
}

// A TcpClient in its own loop thread, and a record of every callback it
// runs, including any that run after the client was destroyed.
class ClientThread {
 public:
  explicit ClientThread(const InetAddress& serverAddr,
                        absl::AnyInvocable<void(TcpClient&)> setup = nullptr)
      : loop_(thread_.startLoop()) {
    runInLoopAndWait(loop_, [&] {
      client_ = std::make_unique<TcpClient>(loop_, serverAddr, "client");
      client_->setConnectionCallback([this](const TcpConnectionPtr& conn) {
        MutexLock lock(&mutex_);
        ++(conn->connected() ? ups_ : downs_);
        noteLate();
      });
      client_->setMessageCallback([this](const TcpConnectionPtr&, Buffer* buf, Timestamp) {
        MutexLock lock(&mutex_);
        received_ += buf->retrieveAllAsString();
        noteLate();
      });
      client_->setConnectFailedCallback([this](int error, std::chrono::milliseconds delay) {
        MutexLock lock(&mutex_);
        errors_.push_back(error);
        delays_.push_back(delay);
        noteLate();
      });
      if (setup) setup(*client_);
    });
  }
  ~ClientThread() { destroyInLoop(); }
  ClientThread(const ClientThread&) = delete;
  ClientThread& operator=(const ClientThread&) = delete;

  [[nodiscard]] EventLoop* loop() const { return loop_; }
  void connect() { client_->connect(); }  // from the test thread: any thread may
  void send(std::string message) {
    runInLoopAndWait(loop_, [&] {
      TcpConnectionPtr conn = client_->connection();
      ASSERT_NE(conn, nullptr);
      conn->send(std::move(message));
    });
  }

  // Destroys the client in its loop thread; callbacks after this are late.
  void destroyInLoop() {
    runInLoopAndWait(loop_, [this] {
      client_.reset();
      MutexLock lock(&mutex_);
      destroyed_ = true;
    });
  }
  // Destroys the client right here, while its loop keeps running.
  void destroyFromThisThread() {
    client_.reset();
    MutexLock lock(&mutex_);
    destroyed_ = true;
  }
  // Lets the loop run for `d` (a timer, not a sleep) and everything queued
  // before that; a callback due to misbehave has done so by then.
  void runFor(std::chrono::milliseconds d) {
    CountDownLatch passed(1);
    loop_->runAfter(d, [&passed] { passed.countDown(); });
    test::waitOrAbort(passed, "a client loop timer");
    runInLoopAndWait(loop_, [] {});
  }

  [[nodiscard]] int ups() const {
    return read([this] { return ups_; });
  }
  [[nodiscard]] int downs() const {
    return read([this] { return downs_; });
  }
  [[nodiscard]] int late() const {
    return read([this] { return late_; });
  }
  [[nodiscard]] size_t failures() const {
    return read([this] { return errors_.size(); });
  }
  [[nodiscard]] std::vector<int> errors() const {
    return read([this] { return errors_; });
  }
  [[nodiscard]] std::vector<std::chrono::milliseconds> delays() const {
    return read([this] { return delays_; });
  }
  [[nodiscard]] std::string received() const {
    return read([this] { return received_; });
  }

  // Waits up to kTimeout for `pred` (run under the lock) to hold.
  template <typename Pred>
  [[nodiscard]] bool waitUntil(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + test::kTimeout;
    MutexLock lock(&mutex_);
    while (!pred()) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= 0s) return false;
      changed_.waitFor(&mutex_, left);
    }
    return true;
  }
  [[nodiscard]] bool waitForUps(int n) {
    return waitUntil([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return ups_ >= n; });
  }
  [[nodiscard]] bool waitForDowns(int n) {
    return waitUntil([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return downs_ >= n; });
  }
  [[nodiscard]] bool waitForFailures(size_t n) {
    return waitUntil([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return errors_.size() >= n; });
  }
  [[nodiscard]] bool waitForReceived(const std::string& s) {
    return waitUntil([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return received_ == s; });
  }

 private:
  void noteLate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (destroyed_) ++late_;
    changed_.notifyAll();
  }
  template <typename F>
  auto read(F f) const -> decltype(f()) {
    MutexLock lock(&mutex_);
    return f();
  }

  mutable Mutex mutex_;
  Condition changed_;
  int ups_ ABSL_GUARDED_BY(mutex_) = 0;
  int downs_ ABSL_GUARDED_BY(mutex_) = 0;
  int late_ ABSL_GUARDED_BY(mutex_) = 0;
  bool destroyed_ ABSL_GUARDED_BY(mutex_) = false;
  std::vector<int> errors_ ABSL_GUARDED_BY(mutex_);
  std::vector<std::chrono::milliseconds> delays_ ABSL_GUARDED_BY(mutex_);
  std::string received_ ABSL_GUARDED_BY(mutex_);
  EventLoopThread thread_;
  EventLoop* const loop_;
  std::unique_ptr<TcpClient> client_;  // loop thread
};

TEST(TcpClientTest, RetriesUntilAServerAppearsOnItsPort) {
  const InetAddress addr = unusedLoopbackAddress();
  ClientThread client(addr);
  client.connect();
  ASSERT_TRUE(client.waitForFailures(1));

  // The Acceptor sets SO_REUSEADDR, so the port is ours again at once.
  ServerThread server([](TcpServer& s) { s.setMessageCallback(test::echo); }, addr);
  ASSERT_TRUE(client.waitForUps(1));
  ASSERT_GE(client.errors().size(), 1u);
  EXPECT_EQ(client.errors().front(), ECONNREFUSED);
  EXPECT_EQ(client.delays().front(), 500ms);

  client.send("hello");
  EXPECT_TRUE(client.waitForReceived("hello"));
  EXPECT_EQ(client.downs(), 0);
}

TEST(TcpClientTest, ConnectFailedCallbackReportsEachRefusalWithADoublingDelay) {
  ClientThread client(unusedLoopbackAddress());
  client.connect();
  ASSERT_TRUE(client.waitForFailures(2));
  const std::vector<int> errors = client.errors();
  const std::vector<std::chrono::milliseconds> delays = client.delays();
  EXPECT_EQ(errors[0], ECONNREFUSED);
  EXPECT_EQ(errors[1], ECONNREFUSED);
  EXPECT_EQ(delays[0], 500ms);
  EXPECT_EQ(delays[1], 1000ms);
  EXPECT_EQ(client.ups(), 0);
}

TEST(TcpClientTest, DestroyedWhileWaitingToRetryRunsNoMoreCallbacks) {
  ClientThread client(unusedLoopbackAddress());
  client.connect();
  ASSERT_TRUE(client.waitForFailures(1));
  client.destroyInLoop();  // the 500 ms retry timer is pending
  client.runFor(700ms);
  EXPECT_EQ(client.late(), 0);
  EXPECT_EQ(client.failures(), 1u);
  EXPECT_EQ(client.ups(), 0);
}

TEST(TcpClientTest, DestroyedWhileAConnectIsInFlightRunsNoCallbacks) {
  // A listener with a full accept queue drops SYNs, so a connect to it
  // stays in flight (retransmitting) for seconds.
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  InetAddress addr(0, true);
  ASSERT_EQ(::bind(listener, addr.getSockAddr(), addr.sockAddrLen()), 0);
  ASSERT_EQ(::listen(listener, 0), 0);
  addr = InetAddress(sockets::getLocalAddr(listener));
  std::vector<int> fillers;
  bool inFlight = false;
  for (int i = 0; i < 8 && !inFlight; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    fillers.push_back(fd);
    const int ret = ::connect(fd, addr.getSockAddr(), addr.sockAddrLen());
    if (ret == 0) continue;
    ASSERT_EQ(errno, EINPROGRESS);
    struct pollfd pfd = {fd, POLLOUT, 0};
    inFlight = ::poll(&pfd, 1, 100) == 0;
  }
  if (!inFlight) GTEST_SKIP() << "could not fill the accept queue";

  {
    ClientThread client(addr);
    client.connect();
    client.runFor(50ms);
    EXPECT_EQ(client.ups(), 0);
    EXPECT_EQ(client.failures(), 0u);
    client.destroyInLoop();
    client.runFor(50ms);
    EXPECT_EQ(client.late(), 0);
  }
  for (int fd : fillers) ::close(fd);
  ::close(listener);
}

TEST(TcpClientTest, DestroyedWhileConnectedRunsTheDownCallbackOnceAndNothingAfter) {
  ConnectionLog serverLog;
  ServerThread server([&serverLog](TcpServer& s) {
    s.setConnectionCallback(serverLog.callback());
    s.setMessageCallback(test::echo);
  });
  ClientThread client(server.address());
  client.connect();
  ASSERT_TRUE(client.waitForUps(1));
  client.send("ping");
  ASSERT_TRUE(client.waitForReceived("ping"));

  client.destroyInLoop();
  EXPECT_EQ(client.downs(), 1) << "the down callback runs before the destructor returns";
  client.runFor(50ms);
  EXPECT_EQ(client.late(), 0);
  EXPECT_EQ(client.downs(), 1);
  ASSERT_TRUE(serverLog.waitForDowns(1));
  EXPECT_TRUE(serverLog.notUpThenDownOnce().empty());
}

TEST(TcpClientTest, DestroyedWithRetryEnabledAfterTheServerClosedIsClean) {
  auto server = std::make_unique<ServerThread>(nullptr);
  ClientThread client(server->address(), [](TcpClient& c) { c.enableRetry(); });
  client.connect();
  ASSERT_TRUE(client.waitForUps(1));

  server.reset();  // the client loses its connection and starts retrying
  ASSERT_TRUE(client.waitForDowns(1));
  ASSERT_TRUE(client.waitForFailures(1));
  EXPECT_EQ(client.errors().front(), ECONNREFUSED);
  client.destroyInLoop();
  client.runFor(700ms);
  EXPECT_EQ(client.late(), 0);
  EXPECT_EQ(client.ups(), 1);
  EXPECT_EQ(client.downs(), 1);
}

TEST(TcpClientTest, EnableRetryReconnectsAfterTheServerDropsTheConnection) {
  ConnectionLog serverLog;
  ServerThread server([&serverLog](TcpServer& s) {
    s.setMessageCallback(test::echo);
    // Drops the first connection as soon as it is up.
    s.setConnectionCallback(serverLog.callback([&serverLog](const TcpConnectionPtr& conn) {
      if (conn->connected() && serverLog.ups() == 1) conn->forceClose();
    }));
  });
  ClientThread client(server.address(), [](TcpClient& c) { c.enableRetry(); });
  client.connect();
  ASSERT_TRUE(client.waitForUps(2));
  EXPECT_EQ(client.downs(), 1);
  client.send("again");
  EXPECT_TRUE(client.waitForReceived("again"));
  EXPECT_EQ(serverLog.ups(), 2);
  EXPECT_EQ(client.failures(), 0u);
}

TEST(TcpClientTest, DestroyedFromAnotherThreadWhileItsLoopRunsIsClean) {
  ConnectionLog serverLog;
  ServerThread server([&serverLog](TcpServer& s) {
    s.setConnectionCallback(serverLog.callback());
    s.setMessageCallback(test::echo);
  });
  ClientThread client(server.address());
  client.connect();
  ASSERT_TRUE(client.waitForUps(1));
  client.send("ping");
  ASSERT_TRUE(client.waitForReceived("ping"));

  client.destroyFromThisThread();
  EXPECT_EQ(client.downs(), 1) << "the down callback runs before the destructor returns";
  client.runFor(50ms);
  EXPECT_EQ(client.late(), 0);
  ASSERT_TRUE(serverLog.waitForDowns(1));
  EXPECT_TRUE(serverLog.notUpThenDownOnce().empty());
}

}  // namespace
}  // namespace muduo::net
