#include "muduo/net/TcpClient.h"

#include "muduo/base/CountDownLatch.h"
#include "muduo/base/Logging.h"
#include "muduo/net/Connector.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/SocketsOps.h"
#include "muduo/net/TcpConnection.h"

namespace muduo::net {

TcpClient::TcpClient(EventLoop* loop, const InetAddress& serverAddr, std::string name)
    : loop_(loop),
      connector_(std::make_shared<Connector>(loop, serverAddr)),
      name_(std::move(name)),
      connectionCallback_(defaultConnectionCallback),
      messageCallback_(defaultMessageCallback) {
  // The connector is stopped in the loop thread before this client dies, and
  // only then can its callbacks stop running, so `this` is safe here.
  connector_->setNewConnectionCallback(
      [this](UniqueFd sockfd) { newConnection(std::move(sockfd)); });
}

TcpClient::~TcpClient() {
  if (loop_->isInLoopThread()) {
    destroyInLoop();
    return;
  }
  CountDownLatch done(1);
  loop_->runInLoop([this, &done] {
    destroyInLoop();
    done.countDown();
  });
  done.wait();
}

void TcpClient::destroyInLoop() {
  loop_->assertInLoopThread();
  connect_ = false;
  retry_ = false;
  connector_->stop();  // in the loop thread this runs now, not later
  TcpConnectionPtr conn;
  {
    MutexLock lock(&mutex_);
    conn.swap(connection_);
  }
  if (conn != nullptr) {
    // Closed here, in the loop thread, rather than by forceClose(): its
    // "down" callback runs before the destructor returns, and no later
    // functor is needed (the loop may be about to quit and drop it). The
    // connection may outlive us (a user may hold it); it no longer calls
    // back into this client.
    conn->setCloseCallback(nullptr);
    conn->connectDestroyed();
  }
}

void TcpClient::setConnectFailedCallback(ConnectFailedCallback cb) {
  connector_->setConnectFailedCallback(std::move(cb));
}

void TcpClient::connect() {
  LOG_DEBUG << "TcpClient::connect [" << name_ << "] to " << connector_->serverAddress().toIpPort();
  connect_ = true;
  connector_->start();
}

void TcpClient::disconnect() {
  connect_ = false;
  MutexLock lock(&mutex_);
  if (connection_ != nullptr) connection_->shutdown();
}

void TcpClient::stop() {
  connect_ = false;
  connector_->stop();
}

TcpConnectionPtr TcpClient::connection() const {
  MutexLock lock(&mutex_);
  return connection_;
}

void TcpClient::newConnection(UniqueFd sockfd) {
  loop_->assertInLoopThread();
  const InetAddress peerAddr(sockets::getPeerAddr(sockfd.get()));
  const InetAddress localAddr(sockets::getLocalAddr(sockfd.get()));
  std::string connName = name_ + ":" + peerAddr.toIpPort() + "#" + std::to_string(nextConnId_++);
  auto conn = std::make_shared<TcpConnection>(loop_, std::move(connName), std::move(sockfd),
                                              localAddr, peerAddr, options_);
  conn->setConnectionCallback(connectionCallback_);
  conn->setMessageCallback(messageCallback_);
  conn->setWriteCompleteCallback(writeCompleteCallback_);
  conn->setCloseCallback([this](const TcpConnectionPtr& c) { removeConnection(c); });
  {
    MutexLock lock(&mutex_);
    connection_ = conn;
  }
  conn->connectEstablished();
}

void TcpClient::removeConnection(const TcpConnectionPtr& conn) {
  loop_->assertInLoopThread();
  {
    MutexLock lock(&mutex_);
    if (connection_ == conn) connection_.reset();
  }
  loop_->queueInLoop([conn] { conn->connectDestroyed(); });
  if (retry_ && connect_) {
    LOG_INFO << "TcpClient::connect [" << name_ << "] - reconnecting to "
             << connector_->serverAddress().toIpPort();
    connector_->restart();
  }
}

}  // namespace muduo::net
