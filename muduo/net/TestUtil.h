// Helpers for the muduo/net tests: a bounded way to run work in a loop
// thread, a TcpServer that lives in its own loop thread, and a blocking
// socket client for the test thread whose every call times out, so a bug
// fails a test instead of hanging it.
//
// Test-only. Thread contract on each class.
#ifndef MUDUO_NET_TESTUTIL_H_
#define MUDUO_NET_TESTUTIL_H_

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/Callbacks.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/InetAddress.h"

namespace muduo::net {

class EventLoop;
class TcpServer;

namespace test {

// Long enough that a loaded CI machine never hits it on a correct run.
inline constexpr std::chrono::seconds kTimeout{10};

// Waits up to kTimeout; on timeout reports `what` and aborts (no destructor
// could join the stuck thread, so the test would otherwise hang).
void waitOrAbort(CountDownLatch& latch, const char* what);

// Runs `f` in `loop`'s thread and returns once it has run. Any thread but
// the loop's own.
void runInLoopAndWait(EventLoop* loop, absl::AnyInvocable<void()> f);

// Byte i of the test pattern: i * 31 % 251, so misplaced, lost or repeated
// bytes all show.
[[nodiscard]] inline char patternByte(uint64_t i) { return static_cast<char>(i * 31 % 251); }
[[nodiscard]] std::string makePattern(uint64_t offset, size_t len);
// Whether `data` is the pattern from `offset` on.
[[nodiscard]] bool matchesPattern(uint64_t offset, std::string_view data);

// Whether ::1 can be bound here (IPv6 may be disabled in a container).
[[nodiscard]] bool ipv6LoopbackAvailable();

// Echoes every byte back. A MessageCallback.
void echo(const TcpConnectionPtr& conn, Buffer* buf, Timestamp);

// Counts each connection's "up" and "down" callbacks, by connection name.
// Holds no connection, so it never keeps one alive past its loop. Any thread.
class ConnectionLog {
 public:
  // A ConnectionCallback that records into this log, then calls `next`.
  [[nodiscard]] ConnectionCallback callback(ConnectionCallback next = nullptr);
  void record(const TcpConnectionPtr& conn);

  [[nodiscard]] int ups() const;
  [[nodiscard]] int downs() const;
  // Wait up to kTimeout for at least n ups / downs in total.
  [[nodiscard]] bool waitForUps(int n);
  [[nodiscard]] bool waitForDowns(int n);
  // Connections that did not see exactly one up followed by one down.
  [[nodiscard]] std::vector<std::string> notUpThenDownOnce() const;
  [[nodiscard]] size_t numConnections() const;
  // The loop of each connection, by name, as seen by its "up" callback.
  [[nodiscard]] std::vector<std::pair<std::string, EventLoop*>> loops() const;

 private:
  struct Entry {
    int ups = 0;
    int downs = 0;
    bool downBeforeUp = false;
    EventLoop* loop = nullptr;
  };
  [[nodiscard]] bool waitFor(bool forUps, int n);

  mutable Mutex mutex_;
  Condition changed_;
  int ups_ ABSL_GUARDED_BY(mutex_) = 0;
  int downs_ ABSL_GUARDED_BY(mutex_) = 0;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mutex_);
};

// A TcpServer on loopback port 0 (or `listenAddr`), running in its own
// EventLoopThread. `setup` runs in the loop thread before start(); the
// server is destroyed there too. Construct and destroy in one thread.
class ServerThread {
 public:
  explicit ServerThread(std::function<void(TcpServer&)> setup,
                        const InetAddress& listenAddr = InetAddress(0, true));
  ~ServerThread();
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

  [[nodiscard]] EventLoop* loop() const { return loop_; }
  [[nodiscard]] const InetAddress& address() const { return address_; }
  // Loop thread only (or through run()).
  [[nodiscard]] TcpServer* server() const { return server_.get(); }
  // Runs f(server) in the loop thread and waits for it.
  void run(absl::AnyInvocable<void(TcpServer&)> f);
  // The server's I/O loops (the base loop when it has no threads).
  [[nodiscard]] std::vector<EventLoop*> ioLoops();
  // Lets every I/O loop finish what it is doing, then the base loop: work an
  // I/O loop had handed to the base loop has run when this returns.
  void drain();
  // Runs `before` (if any) and destroys the server, in one functor in its
  // loop thread, ahead of the thread. Idempotent.
  void destroyServer(absl::AnyInvocable<void(TcpServer&)> before = nullptr);

 private:
  EventLoopThread thread_;
  EventLoop* loop_;
  std::unique_ptr<TcpServer> server_;
  InetAddress address_;
};

// A blocking TCP socket for the test thread. Every send and receive gives up
// after kTimeout (SO_SNDTIMEO / SO_RCVTIMEO). Not thread-safe.
class BlockingSocket {
 public:
  explicit BlockingSocket(sa_family_t family = AF_INET);
  ~BlockingSocket();
  BlockingSocket(const BlockingSocket&) = delete;
  BlockingSocket& operator=(const BlockingSocket&) = delete;

  [[nodiscard]] int fd() const { return fd_; }
  // 0 or the errno of the failed connect.
  [[nodiscard]] int connect(const InetAddress& addr);
  [[nodiscard]] bool sendAll(std::string_view data);
  // Reads until `len` bytes, EOF, an error or the timeout; returns what came.
  [[nodiscard]] std::string readExactly(size_t len);
  // One read(2): >0 bytes, 0 at EOF, -1 with *error set (EAGAIN: timeout).
  [[nodiscard]] ssize_t readSome(char* buf, size_t len, int* error);
  // Reads until EOF or an error; *error is 0 at a clean EOF.
  [[nodiscard]] std::string readToEnd(int* error);
  // The next close sends RST instead of FIN.
  void setLingerZero();
  void shutdownWrite();
  void close();

 private:
  int fd_;
};

}  // namespace test
}  // namespace muduo::net

#endif  // MUDUO_NET_TESTUTIL_H_
