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

UniqueFd openSpareFd() { return UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC)); }

}  // namespace

Acceptor::Acceptor(EventLoop* loop, const InetAddress& listenAddr, bool reusePort)
    : loop_(loop),
      acceptSocket_(UniqueFd(sockets::createNonblockingOrDie(listenAddr.family()))),
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
    UniqueFd connfd = acceptSocket_.accept(&peerAddr);
    if (connfd.valid()) {
      if (newConnectionCallback_) newConnectionCallback_(std::move(connfd), peerAddr);
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
  spareFd_.reset();
  // Another thread may take the freed slot first, or the backlog may be
  // empty (accept reports EMFILE before looking at it); then nothing is
  // rejected and level-triggered polling brings us back.
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

}  // namespace muduo::net
