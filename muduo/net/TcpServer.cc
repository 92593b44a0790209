#include "muduo/net/TcpServer.h"

#include <cassert>

#include "absl/container/flat_hash_map.h"
#include "muduo/base/Logging.h"
#include "muduo/net/Acceptor.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThreadPool.h"
#include "muduo/net/IdleConnectionWheel.h"
#include "muduo/net/SocketsOps.h"
#include "muduo/net/TcpConnection.h"

namespace muduo::net {

struct TcpServer::Registry {
  std::map<std::string, TcpConnectionPtr> connections;  // base loop thread only
  // One wheel per I/O loop, filled by start() before the first connection
  // and read-only afterwards.
  absl::flat_hash_map<EventLoop*, std::shared_ptr<IdleConnectionWheel>> wheels;
  InetAddress listenAddress;
};

TcpServer::TcpServer(EventLoop* loop, const InetAddress& listenAddr, std::string name,
                     Option option)
    : loop_(loop),
      ipPort_(listenAddr.toIpPort()),
      name_(std::move(name)),
      acceptor_(std::make_unique<Acceptor>(loop, listenAddr, option == Option::kReusePort)),
      threadPool_(std::make_shared<EventLoopThreadPool>(loop, name_)),
      registry_(std::make_shared<Registry>()),
      connectionCallback_(defaultConnectionCallback),
      messageCallback_(defaultMessageCallback) {
  registry_->listenAddress = acceptor_->localAddress();
  acceptor_->setNewConnectionCallback(
      [this](int sockfd, const InetAddress& peerAddr) { newConnection(sockfd, peerAddr); });
}

TcpServer::~TcpServer() {
  loop_->assertInLoopThread();
  LOG_TRACE << "TcpServer::~TcpServer [" << name_ << "] destructing";
  acceptor_.reset();
  for (auto& [name, conn] : registry_->connections) {
    conn->getLoop()->runInLoop([conn = std::move(conn)] { conn->connectDestroyed(); });
  }
  // A wheel ticks in its I/O loop and must die there, after its timer is
  // cancelled; dropped here, a wheel without connections would be freed
  // under a tick running in that loop.
  for (auto& [ioLoop, wheel] : registry_->wheels) {
    ioLoop->runInLoop([wheel = std::move(wheel)] {});
  }
  registry_.reset();
  // threadPool_ goes last: its loops run the connectDestroyed calls above
  // before they quit.
}

InetAddress TcpServer::listenAddress() const { return registry_->listenAddress; }

void TcpServer::setThreadNum(int numThreads) {
  assert(numThreads >= 0);
  threadPool_->setThreadNum(numThreads);
}

void TcpServer::setIdleTimeout(std::chrono::milliseconds timeout, int buckets) {
  idleTimeout_ = timeout;
  idleBuckets_ = buckets;
}

void TcpServer::start() {
  if (started_.exchange(true)) return;
  loop_->runInLoop([this] { startInLoop(); });
}

void TcpServer::startInLoop() {
  if (!threadPool_->started()) threadPool_->start(threadInitCallback_);
  if (idleTimeout_.count() > 0) {
    for (EventLoop* ioLoop : threadPool_->getAllLoops()) {
      registry_->wheels[ioLoop] =
          std::make_shared<IdleConnectionWheel>(ioLoop, idleTimeout_, idleBuckets_);
    }
  }
  assert(!acceptor_->listening());
  acceptor_->listen();
}

void TcpServer::stopAccepting() {
  loop_->assertInLoopThread();
  acceptor_.reset();
}

void TcpServer::stop() {
  stopAccepting();
  for (const auto& [name, conn] : registry_->connections) conn->forceClose();
}

void TcpServer::shutdownConnections() {
  stopAccepting();
  for (const auto& [name, conn] : registry_->connections) conn->shutdown();
}

size_t TcpServer::numConnections() const {
  loop_->assertInLoopThread();
  return registry_->connections.size();
}

int64_t TcpServer::rejectedForFdLimit() const {
  return acceptor_ != nullptr ? acceptor_->rejectedForFdLimit() : 0;
}

void TcpServer::newConnection(int sockfd, const InetAddress& peerAddr) {
  loop_->assertInLoopThread();
  EventLoop* ioLoop = threadPool_->getNextLoop();
  std::string connName = name_ + "-" + ipPort_ + "#" + std::to_string(nextConnId_++);
  LOG_DEBUG << "TcpServer::newConnection [" << name_ << "] - new connection [" << connName
            << "] from " << peerAddr.toIpPort();
  const InetAddress localAddr(sockets::getLocalAddr(sockfd));
  auto conn = std::make_shared<TcpConnection>(ioLoop, connName, sockfd, localAddr, peerAddr);
  registry_->connections.emplace(std::move(connName), conn);

  std::shared_ptr<IdleConnectionWheel> wheel;
  if (auto it = registry_->wheels.find(ioLoop); it != registry_->wheels.end()) wheel = it->second;

  conn->setConnectionCallback(connectionCallback_);
  if (wheel != nullptr) {
    conn->setMessageCallback(
        [wheel, cb = messageCallback_](const TcpConnectionPtr& c, Buffer* buf, Timestamp t) {
          wheel->touch(c);
          cb(c, buf, t);
        });
  } else {
    conn->setMessageCallback(messageCallback_);
  }
  conn->setWriteCompleteCallback(writeCompleteCallback_);
  // Runs in the I/O thread. Holds the registry weakly and the base loop by
  // pointer (the base loop outlives the server). Only the name crosses to
  // the base loop: a functor holding the connection could run after
  // ~TcpServer has joined the I/O loops and destroy it after its loop.
  conn->setCloseCallback([baseLoop = loop_, weakRegistry = std::weak_ptr<Registry>(registry_),
                          wheel](const TcpConnectionPtr& c) {
    if (wheel != nullptr) wheel->remove(c);
    baseLoop->runInLoop([weakRegistry, name = c->name()] {
      // Gone: ~TcpServer already handed every connection to its loop.
      std::shared_ptr<Registry> registry = weakRegistry.lock();
      if (registry == nullptr) return;
      auto it = registry->connections.find(name);
      if (it == registry->connections.end()) return;
      TcpConnectionPtr closed = std::move(it->second);
      registry->connections.erase(it);
      EventLoop* ioLoop = closed->getLoop();
      ioLoop->queueInLoop([closed = std::move(closed)] { closed->connectDestroyed(); });
    });
  });
  ioLoop->runInLoop([conn, wheel] {
    conn->connectEstablished();
    if (wheel != nullptr && conn->connected()) wheel->add(conn);
  });
}

}  // namespace muduo::net
