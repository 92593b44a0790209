#include "muduo/net/Connector.h"

#include <algorithm>
#include <cassert>
#include <cerrno>

#include "muduo/base/Logging.h"
#include "muduo/net/Channel.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/SocketsOps.h"

namespace muduo::net {

Connector::Connector(EventLoop* loop, const InetAddress& serverAddr)
    : loop_(loop), serverAddr_(serverAddr) {}

Connector::~Connector() {
  // stop() ran in the loop thread (TcpClient guarantees it), so no channel
  // or timer is left that could call back into us.
  assert(channel_ == nullptr);
}

void Connector::start() {
  connect_ = true;
  loop_->runInLoop([self = shared_from_this()] { self->startInLoop(); });
}

void Connector::startInLoop() {
  loop_->assertInLoopThread();
  if (!connect_) {
    LOG_DEBUG << "Connector to " << serverAddr_.toIpPort() << " stopped before connecting";
    return;
  }
  if (state_ == State::kDisconnected) connect();
}

void Connector::restart() {
  loop_->assertInLoopThread();
  state_ = State::kDisconnected;
  retryDelay_ = kInitRetryDelay;
  connect_ = true;
  startInLoop();
}

void Connector::stop() {
  connect_ = false;
  loop_->runInLoop([self = shared_from_this()] { self->stopInLoop(); });
}

void Connector::stopInLoop() {
  loop_->assertInLoopThread();
  loop_->cancel(retryTimer_);
  retryTimer_ = TimerId();
  if (state_ == State::kConnecting) {
    state_ = State::kDisconnected;
    removeAndResetChannel();  // closes the socket
  }
}

void Connector::connect() {
  UniqueFd sockfd = sockets::createNonblockingOrDie(serverAddr_.family());
  const int ret =
      sockets::connect(sockfd.get(), serverAddr_.getSockAddr(), serverAddr_.sockAddrLen());
  const int savedErrno = (ret == 0) ? 0 : errno;
  switch (savedErrno) {
    case 0:
    case EINPROGRESS:
    case EINTR:
    case EISCONN:
      connecting(std::move(sockfd));
      break;
    // Transient: the server is not there yet, or we ran out of local ports.
    case EAGAIN:
    case EADDRINUSE:
    case EADDRNOTAVAIL:
    case ECONNREFUSED:
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ETIMEDOUT:
      retry(std::move(sockfd), savedErrno);
      break;
    default:
      // EACCES, EAFNOSUPPORT, EBADF...: retrying cannot help.
      errno = savedErrno;
      LOG_SYSERR << "Connector::connect to " << serverAddr_.toIpPort();
      sockfd.reset();
      connect_ = false;
      if (connectFailedCallback_) connectFailedCallback_(savedErrno, std::chrono::milliseconds(0));
      break;
  }
}

void Connector::connecting(UniqueFd sockfd) {
  state_ = State::kConnecting;
  assert(channel_ == nullptr);
  socket_ = std::move(sockfd);
  channel_ = std::make_unique<Channel>(loop_, socket_.get());
  // The channel is owned by this Connector and removed (in the loop thread)
  // before the Connector can be destroyed, so `this` is safe here.
  channel_->setWriteCallback([this] { handleWrite(); });
  channel_->setErrorCallback([this] { handleError(); });
  // A refused connect reports POLLHUP; handleWrite() deals with it quietly.
  channel_->doNotLogHup();
  channel_->enableWriting();
}

UniqueFd Connector::removeAndResetChannel() {
  channel_->disableAll();
  channel_->remove();
  // We may be inside the channel's own handleEvent: destroy it afterwards.
  loop_->queueInLoop([channel = std::move(channel_)] {});
  return std::move(socket_);
}

void Connector::handleWrite() {
  if (state_ != State::kConnecting) return;
  UniqueFd sockfd = removeAndResetChannel();
  const int err = sockets::getSocketError(sockfd.get());
  if (err != 0) {
    LOG_DEBUG << "Connector to " << serverAddr_.toIpPort() << ": " << strerrorTl(err);
    retry(std::move(sockfd), err);
  } else if (sockets::isSelfConnect(sockfd.get())) {
    // Connecting to a local port with no listener can pick that same port
    // as the source and "succeed" with a connection to ourselves.
    LOG_WARN << "Connector to " << serverAddr_.toIpPort() << ": self connect";
    retry(std::move(sockfd), ECONNREFUSED);
  } else {
    state_ = State::kConnected;
    // Not wanted any more (stop() raced the connect): the socket closes here.
    if (connect_) newConnectionCallback_(std::move(sockfd));
  }
}

void Connector::handleError() {
  if (state_ != State::kConnecting) return;
  UniqueFd sockfd = removeAndResetChannel();
  const int err = sockets::getSocketError(sockfd.get());
  retry(std::move(sockfd), err != 0 ? err : ECONNREFUSED);
}

void Connector::retry(UniqueFd sockfd, int error) {
  sockfd.reset();
  state_ = State::kDisconnected;
  if (!connect_) return;
  const std::chrono::milliseconds delay = retryDelay_;
  retryDelay_ = std::min(retryDelay_ * 2, kMaxRetryDelay);
  LOG_INFO << "Connector to " << serverAddr_.toIpPort() << " failed (" << strerrorTl(error)
           << "); retrying in " << delay.count() << " ms";
  retryTimer_ = loop_->runAfter(delay, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->startInLoop();
  });
  if (connectFailedCallback_) connectFailedCallback_(error, delay);
}

}  // namespace muduo::net
