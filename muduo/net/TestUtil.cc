#include "muduo/net/TestUtil.h"

#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "muduo/net/Buffer.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThreadPool.h"
#include "muduo/net/TcpConnection.h"
#include "muduo/net/TcpServer.h"

namespace muduo::net::test {
namespace {

constexpr uint64_t kPatternPeriod = 251;
constexpr size_t kPatternChunk = 64 * 1024;

// The pattern from 0 to period + chunk: any chunk of the pattern, whatever
// its phase, is one memcmp against this table.
const std::string& patternTable() {
  static const std::string table = [] {
    std::string t(kPatternPeriod + kPatternChunk, '\0');
    for (size_t i = 0; i < t.size(); ++i) t[i] = patternByte(i);
    return t;
  }();
  return table;
}

}  // namespace

void waitOrAbort(CountDownLatch& latch, const char* what) {
  if (!latch.waitFor(kTimeout)) {
    std::fprintf(stderr, "Timed out after %llds waiting for %s\n",
                 static_cast<long long>(kTimeout.count()), what);
    std::abort();
  }
}

void runInLoopAndWait(EventLoop* loop, absl::AnyInvocable<void()> f) {
  CountDownLatch done(1);
  loop->runInLoop([&f, &done] {
    f();
    done.countDown();
  });
  waitOrAbort(done, "a functor to run in a loop thread");
}

std::string makePattern(uint64_t offset, size_t len) {
  std::string out;
  out.reserve(len);
  while (out.size() < len) {
    const size_t n = std::min(kPatternChunk, len - out.size());
    out.append(patternTable(), (offset + out.size()) % kPatternPeriod, n);
  }
  return out;
}

bool matchesPattern(uint64_t offset, std::string_view data) {
  const std::string& table = patternTable();
  while (!data.empty()) {
    const size_t n = std::min(kPatternChunk, data.size());
    if (memcmp(data.data(), table.data() + offset % kPatternPeriod, n) != 0) return false;
    data.remove_prefix(n);
    offset += n;
  }
  return true;
}

bool ipv6LoopbackAvailable() {
  const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const InetAddress loopback(0, true, true);
  const bool ok = ::bind(fd, loopback.getSockAddr(), loopback.sockAddrLen()) == 0;
  ::close(fd);
  return ok;
}

void echo(const TcpConnectionPtr& conn, Buffer* buf, Timestamp) { conn->send(buf); }

ConnectionCallback ConnectionLog::callback(ConnectionCallback next) {
  return [this, next = std::move(next)](const TcpConnectionPtr& conn) {
    record(conn);
    if (next) next(conn);
  };
}

void ConnectionLog::record(const TcpConnectionPtr& conn) {
  MutexLock lock(&mutex_);
  Entry* entry = &entries_[conn->name()];
  if (conn->connected()) {
    ++entry->ups;
    ++ups_;
    entry->loop = conn->getLoop();
  } else {
    if (entry->ups == 0) entry->downBeforeUp = true;
    ++entry->downs;
    ++downs_;
  }
  changed_.notifyAll();
}

int ConnectionLog::ups() const {
  MutexLock lock(&mutex_);
  return ups_;
}

int ConnectionLog::downs() const {
  MutexLock lock(&mutex_);
  return downs_;
}

bool ConnectionLog::waitFor(bool forUps, int n) {
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  MutexLock lock(&mutex_);
  while ((forUps ? ups_ : downs_) < n) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return false;
    changed_.waitFor(&mutex_, left);
  }
  return true;
}

bool ConnectionLog::waitForUps(int n) { return waitFor(true, n); }
bool ConnectionLog::waitForDowns(int n) { return waitFor(false, n); }

std::vector<std::string> ConnectionLog::notUpThenDownOnce() const {
  MutexLock lock(&mutex_);
  std::vector<std::string> bad;
  for (const auto& [name, entry] : entries_) {
    if (entry.ups != 1 || entry.downs != 1 || entry.downBeforeUp) bad.push_back(name);
  }
  return bad;
}

size_t ConnectionLog::numConnections() const {
  MutexLock lock(&mutex_);
  return entries_.size();
}

std::vector<std::pair<std::string, EventLoop*>> ConnectionLog::loops() const {
  MutexLock lock(&mutex_);
  std::vector<std::pair<std::string, EventLoop*>> out;
  for (const auto& [name, entry] : entries_) out.emplace_back(name, entry.loop);
  return out;
}

ServerThread::ServerThread(std::function<void(TcpServer&)> setup, const InetAddress& listenAddr)
    : loop_(thread_.startLoop()) {
  runInLoopAndWait(loop_, [&] {
    server_ = std::make_unique<TcpServer>(loop_, listenAddr, "test");
    if (setup) setup(*server_);
    server_->start();
    address_ = server_->listenAddress();
  });
}

ServerThread::~ServerThread() { destroyServer(); }

void ServerThread::run(absl::AnyInvocable<void(TcpServer&)> f) {
  runInLoopAndWait(loop_, [&] { f(*server_); });
}

std::vector<EventLoop*> ServerThread::ioLoops() {
  std::vector<EventLoop*> loops;
  run([&loops](TcpServer& server) { loops = server.threadPool()->getAllLoops(); });
  return loops;
}

void ServerThread::drain() {
  for (EventLoop* ioLoop : ioLoops()) runInLoopAndWait(ioLoop, [] {});
  runInLoopAndWait(loop_, [] {});
}

void ServerThread::destroyServer(absl::AnyInvocable<void(TcpServer&)> before) {
  runInLoopAndWait(loop_, [this, &before] {
    if (server_ == nullptr) return;
    if (before) before(*server_);
    server_.reset();
  });
}

BlockingSocket::BlockingSocket(sa_family_t family)
    : fd_(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP)) {
  if (fd_ < 0) {
    std::perror("BlockingSocket: socket");
    std::abort();
  }
  struct timeval tv;
  tv.tv_sec = kTimeout.count();
  tv.tv_usec = 0;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

BlockingSocket::~BlockingSocket() { close(); }

int BlockingSocket::connect(const InetAddress& addr) {
  return ::connect(fd_, addr.getSockAddr(), addr.sockAddrLen()) == 0 ? 0 : errno;
}

bool BlockingSocket::sendAll(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string BlockingSocket::readExactly(size_t len) {
  std::string out(len, '\0');
  size_t got = 0;
  while (got < len) {
    int error = 0;
    const ssize_t n = readSome(out.data() + got, len - got, &error);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

ssize_t BlockingSocket::readSome(char* buf, size_t len, int* error) {
  while (true) {
    const ssize_t n = ::read(fd_, buf, len);
    if (n < 0 && errno == EINTR) continue;
    *error = n < 0 ? errno : 0;
    return n;
  }
}

std::string BlockingSocket::readToEnd(int* error) {
  std::string out;
  char buf[64 * 1024];
  while (true) {
    const ssize_t n = readSome(buf, sizeof buf, error);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

void BlockingSocket::setLingerZero() {
  struct linger lg;
  lg.l_onoff = 1;
  lg.l_linger = 0;
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

void BlockingSocket::shutdownWrite() { ::shutdown(fd_, SHUT_WR); }

void BlockingSocket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace muduo::net::test
