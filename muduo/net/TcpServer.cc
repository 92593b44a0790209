#include "muduo/net/TcpServer.h"

#include <cassert>

#include "absl/container/flat_hash_map.h"
#include "muduo/base/Logging.h"
#include "muduo/net/Acceptor.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThreadPool.h"
#include "muduo/net/SocketsOps.h"
#include "muduo/net/TcpConnection.h"
#include "muduo/net/TimeoutSweeper.h"

namespace muduo::net {

struct TcpServer::Registry {
  std::map<std::string, TcpConnectionPtr> connections;  // base loop thread only
  // One sweeper per I/O loop when a timeout is set, filled by start()
  // before the first connection and read-only afterwards.
  absl::flat_hash_map<EventLoop*, std::shared_ptr<TimeoutSweeper>> sweepers;
  InetAddress listenAddress;
};

TcpServer::TcpServer(EventLoop* loop, const InetAddress& listenAddr, std::string name,
                     Option option)
    : loop_(loop),
      ipPort_(listenAddr.toIpPort()),
      name_(std::move(name)),
      acceptor_(std::make_unique<Acceptor>(loop, listenAddr, option == Option::kReusePort)),
      listenStatus_(acceptor_->status()),
      threadPool_(std::make_shared<EventLoopThreadPool>(loop, name_)),
      registry_(std::make_shared<Registry>()),
      connectionCallback_(defaultConnectionCallback),
      messageCallback_(defaultMessageCallback) {
  registry_->listenAddress = acceptor_->localAddress();
  acceptor_->setNewConnectionCallback([this](UniqueFd sockfd, const InetAddress& peerAddr) {
    newConnection(std::move(sockfd), peerAddr);
  });
}

TcpServer::~TcpServer() {
  loop_->assertInLoopThread();
  LOG_TRACE << "TcpServer::~TcpServer [" << name_ << "] destructing";
  acceptor_.reset();
  for (auto& [name, conn] : registry_->connections) {
    conn->getLoop()->runInLoop([conn = std::move(conn)] { conn->connectDestroyed(); });
  }
  // A sweeper ticks in its I/O loop and must die there, where its
  // destructor cancels the tick.
  for (auto& [ioLoop, sweeper] : registry_->sweepers) {
    ioLoop->runInLoop([sweeper = std::move(sweeper)] {});
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

void TcpServer::start() {
  if (started_.exchange(true)) return;
  loop_->runInLoop([this] { startInLoop(); });
}

void TcpServer::startInLoop() {
  if (!threadPool_->started()) threadPool_->start(threadInitCallback_);
  if (const auto tick = TimeoutSweeper::tickFor(options_); tick.count() > 0) {
    for (EventLoop* ioLoop : threadPool_->getAllLoops()) {
      auto sweeper = std::make_shared<TimeoutSweeper>(ioLoop);
      registry_->sweepers[ioLoop] = sweeper;
      ioLoop->runInLoop([sweeper, tick] { sweeper->start(tick); });
    }
  }
  if (!listenStatus_.ok()) {
    LOG_ERROR << "TcpServer [" << name_ << "] accepts nothing: " << listenStatus_.ToString();
    return;
  }
  // Gone already if stopAccepting() came first.
  if (acceptor_ != nullptr) acceptor_->startAccepting();
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

void TcpServer::newConnection(UniqueFd sockfd, const InetAddress& peerAddr) {
  loop_->assertInLoopThread();
  EventLoop* ioLoop = threadPool_->getNextLoop();
  std::string connName = name_ + "-" + ipPort_ + "#" + std::to_string(nextConnId_++);
  // INFO: who came and went is the first thing a person reading a server's
  // log wants to see.
  LOG_INFO << name_ << ": connection from " << peerAddr.toIpPort() << " up [" << connName << "]";
  const InetAddress localAddr(sockets::getLocalAddr(sockfd.get()));
  auto conn = std::make_shared<TcpConnection>(ioLoop, connName, std::move(sockfd), localAddr,
                                              peerAddr, options_);
  registry_->connections.emplace(std::move(connName), conn);

  std::weak_ptr<TimeoutSweeper> sweeper;
  if (auto it = registry_->sweepers.find(ioLoop); it != registry_->sweepers.end()) {
    sweeper = it->second;
  }

  conn->setConnectionCallback(connectionCallback_);
  conn->setMessageCallback(messageCallback_);
  conn->setWriteCompleteCallback(writeCompleteCallback_);
  // Runs in the I/O thread. Holds the registry weakly and the base loop by
  // pointer (the base loop outlives the server). Only the name crosses to
  // the base loop: a functor holding the connection could run after
  // ~TcpServer has joined the I/O loops and destroy it after its loop.
  conn->setCloseCallback([baseLoop = loop_, weakRegistry = std::weak_ptr<Registry>(registry_),
                          sweeper, serverName = name_](const TcpConnectionPtr& c) {
    LOG_INFO << serverName << ": connection from " << c->peerAddress().toIpPort() << " down ["
             << c->name() << "]";
    if (auto s = sweeper.lock()) s->remove(c.get());
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
  ioLoop->runInLoop([conn, sweeper = std::move(sweeper)] {
    conn->connectEstablished();
    if (auto s = sweeper.lock(); s != nullptr && conn->connected()) s->add(conn);
  });
}

}  // namespace muduo::net
