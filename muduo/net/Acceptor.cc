#include "muduo/net/Acceptor.h"

#include <fcntl.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/SocketsOps.h"

namespace muduo::net {
namespace {

UniqueFd openSpareFd() { return UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC)); }

absl::Status cannotListen(const InetAddress& addr, int savedErrno) {
  return absl::ErrnoToStatus(savedErrno, absl::StrCat("cannot listen on ", addr.toIpPort()));
}

UniqueFd createSocket(const InetAddress& addr, absl::Status* status) {
  UniqueFd sockfd = sockets::createNonblocking(addr.family());
  if (!sockfd.valid()) *status = cannotListen(addr, errno);
  return sockfd;
}

}  // namespace

Acceptor::Acceptor(EventLoop* loop, const InetAddress& listenAddr, bool reusePort)
    : loop_(loop),
      requestedAddr_(listenAddr),
      acceptSocket_(createSocket(listenAddr, &status_)),
      acceptChannel_(loop, acceptSocket_.fd()) {
  if (!status_.ok()) return;
  acceptSocket_.setReuseAddr(true);
  acceptSocket_.setReusePort(reusePort);
  if (acceptSocket_.bindAddress(listenAddr) < 0 || acceptSocket_.listen() < 0) {
    status_ = cannotListen(listenAddr, errno);
    return;
  }
  acceptChannel_.setReadCallback([this](Timestamp) { handleRead(); });
  acceptChannel_.doNotLogHup();
  spareFd_ = openSpareFd();
}

Acceptor::~Acceptor() {
  loop_->cancel(resumeTimer_);
  // A socket that never listened was never registered with the poller.
  if (status_.ok()) {
    acceptChannel_.disableAll();
    acceptChannel_.remove();
  }
}

void Acceptor::startAccepting() {
  loop_->assertInLoopThread();
  assert(status_.ok());
  assert(!accepting_);
  accepting_ = true;
  acceptChannel_.enableReading();
}

InetAddress Acceptor::localAddress() const {
  if (!status_.ok()) return requestedAddr_;
  return InetAddress(sockets::getLocalAddr(acceptSocket_.fd()));
}

void Acceptor::handleRead() {
  loop_->assertInLoopThread();
  // Missing since a shortage (or the constructor) found no free slot: take
  // one back now that the socket has our attention.
  if (!spareFd_.valid()) {
    spareFd_ = openSpareFd();
    if (spareFd_.valid()) loggedFdLimitPause_ = false;
  }
  for (int i = 0; i < kMaxAcceptsPerEvent; ++i) {
    InetAddress peerAddr;
    UniqueFd connfd = acceptSocket_.accept(&peerAddr);
    if (connfd.valid()) {
      if (newConnectionCallback_) newConnectionCallback_(std::move(connfd), peerAddr);
      continue;
    }
    const int savedErrno = errno;
    if (savedErrno == EMFILE || savedErrno == ENFILE) {
      if (rejectOneForFdLimit(savedErrno)) continue;
      if (!spareFd_.valid()) {
        // Nothing could be shed, and the pending connection keeps the
        // socket readable: polling again at once would spin.
        pauseForFdLimit(savedErrno);
        break;
      }
    }
    if (savedErrno != EAGAIN) LOG_SYSERR << "Acceptor::handleRead accept";
    // EAGAIN: the backlog is empty. Others (ECONNABORTED, EINTR...) concern
    // one connection; level-triggered polling brings us back for the rest.
    break;
  }
}

bool Acceptor::rejectOneForFdLimit(int savedErrno) {
  spareFd_.reset();
  // Another thread may take the freed slot first, the spare may be missing
  // already, or the backlog may be empty (accept reports EMFILE before
  // looking at it); then nothing is rejected.
  const bool rejected =
      UniqueFd(::accept4(acceptSocket_.fd(), nullptr, nullptr, SOCK_CLOEXEC)).valid();
  if (rejected) {
    ++rejectedForFdLimit_;
    LOG_ERROR << "Acceptor: out of file descriptors (" << strerrorTl(savedErrno)
              << "); closed a pending connection on " << localAddress().toIpPort();
  }
  spareFd_ = openSpareFd();
  return rejected;
}

void Acceptor::pauseForFdLimit(int savedErrno) {
  ++pausedForFdLimit_;
  if (!loggedFdLimitPause_) {
    loggedFdLimitPause_ = true;
    LOG_ERROR << "Acceptor: out of file descriptors (" << strerrorTl(savedErrno)
              << ") and no spare to turn a connection away with; accepting on "
              << localAddress().toIpPort() << " pauses for " << kFdLimitBackoff.count()
              << " ms at a time until one is free";
  }
  acceptChannel_.disableReading();
  resumeTimer_ = loop_->runAfter(kFdLimitBackoff, [this] {
    // Cancelled by ~Acceptor, which runs in this loop: `this` is alive.
    resumeTimer_ = TimerId();
    acceptChannel_.enableReading();
  });
}

}  // namespace muduo::net
