#include "muduo/net/Acceptor.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/InetAddress.h"
#include "muduo/net/SocketsOps.h"

namespace muduo::net {
namespace {

int openSpareFd() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

}  // namespace

Acceptor::Acceptor(EventLoop* loop, const InetAddress& listenAddr, bool reusePort)
    : loop_(loop),
      acceptSocket_(sockets::createNonblockingOrDie(listenAddr.family())),
      acceptChannel_(loop, acceptSocket_.fd()),
      spareFd_(openSpareFd()) {
  acceptSocket_.setReuseAddr(true);
  acceptSocket_.setReusePort(reusePort);
  acceptSocket_.bindAddress(listenAddr);
  acceptChannel_.setReadCallback([this](Timestamp) { handleRead(); });
  acceptChannel_.doNotLogHup();
}

Acceptor::~Acceptor() {
  acceptChannel_.disableAll();
  acceptChannel_.remove();
  if (spareFd_ >= 0) ::close(spareFd_);
}

void Acceptor::listen() {
  loop_->assertInLoopThread();
  listening_ = true;
  acceptSocket_.listen();
  acceptChannel_.enableReading();
}

InetAddress Acceptor::localAddress() const {
  return InetAddress(sockets::getLocalAddr(acceptSocket_.fd()));
}

void Acceptor::handleRead() {
  loop_->assertInLoopThread();
  for (int i = 0; i < kMaxAcceptsPerEvent; ++i) {
    InetAddress peerAddr;
    const int connfd = acceptSocket_.accept(&peerAddr);
    if (connfd >= 0) {
      if (newConnectionCallback_) {
        newConnectionCallback_(connfd, peerAddr);
      } else {
        sockets::close(connfd);
      }
      continue;
    }
    const int savedErrno = errno;
    if ((savedErrno == EMFILE || savedErrno == ENFILE) && rejectOneForFdLimit(savedErrno)) {
      continue;
    }
    if (savedErrno != EAGAIN) LOG_SYSERR << "Acceptor::handleRead accept";
    // EAGAIN: the backlog is empty. Others (ECONNABORTED, EINTR...) concern
    // one connection; level-triggered polling brings us back for the rest.
    break;
  }
}

bool Acceptor::rejectOneForFdLimit(int savedErrno) {
  if (spareFd_ >= 0) {
    ::close(spareFd_);
    spareFd_ = -1;
  }
  // Another thread may take the freed slot first, or the backlog may be
  // empty (accept reports EMFILE before looking at it); then nothing is
  // rejected and level-triggered polling brings us back.
  const int connfd = ::accept4(acceptSocket_.fd(), nullptr, nullptr, SOCK_CLOEXEC);
  const bool rejected = connfd >= 0;
  if (rejected) {
    ::close(connfd);
    ++rejectedForFdLimit_;
    LOG_ERROR << "Acceptor: out of file descriptors (" << strerrorTl(savedErrno)
              << "); closed a pending connection on " << localAddress().toIpPort();
  }
  spareFd_ = openSpareFd();
  return rejected;
}

}  // namespace muduo::net
