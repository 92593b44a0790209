#include "services/kv/RespServer.h"

#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThreadPool.h"
#include "muduo/net/TcpConnection.h"
#include "muduo/net/TcpServer.h"
#include "services/kv/RespSession.h"
#include "services/kv/WriteCombiner.h"

namespace muduo::kv {

RespServer::RespServer(net::EventLoop* loop, const net::InetAddress& listenAddr, Store* store,
                       const net::ConnectionOptions& options,
                       const RespServerState::Options& stateOptions)
    : store_(store),
      state_(std::make_shared<RespServerState>(stateOptions)),
      combiners_(store),
      server_(std::make_unique<net::TcpServer>(loop, listenAddr, "RespServer")) {
  server_->setConnectionOptions(options);
  state_->setPort(server_->listenAddress().port());
  // The TcpServer is ours and dies first, in the base loop, so `this` is
  // safe in its callbacks.
  server_->setConnectionCallback([this](const net::TcpConnectionPtr& conn) { onConnection(conn); });
  server_->setMessageCallback(
      [](const net::TcpConnectionPtr& conn, net::Buffer* buf, Timestamp) { onMessage(conn, buf); });
}

RespServer::~RespServer() {
  // The store may still acknowledge writes of our connections; our I/O
  // loops may be gone by then.
  combiners_.detach();
  server_.reset();
}

void RespServer::setThreadNum(int numThreads) { server_->setThreadNum(numThreads); }

void RespServer::setThreadPool(std::shared_ptr<net::EventLoopThreadPool> pool) {
  server_->setThreadPool(std::move(pool));
}

void RespServer::start() { server_->start(); }

void RespServer::adoptConnection(const net::TcpConnectionPtr& conn) {
  conn->getLoop()->assertInLoopThread();
  // What TcpServer::newConnection gives an accepted one.
  conn->setOptions(server_->connectionOptions());
  conn->setConnectionCallback([this](const net::TcpConnectionPtr& c) { onConnection(c); });
  conn->setMessageCallback(
      [](const net::TcpConnectionPtr& c, net::Buffer* buf, Timestamp) { onMessage(c, buf); });
}

void RespServer::stopAccepting() { server_->stopAccepting(); }

void RespServer::stop() { server_->stop(); }

net::InetAddress RespServer::listenAddress() const { return server_->listenAddress(); }

absl::Status RespServer::listenStatus() const { return server_->listenStatus(); }

void RespServer::onMessage(const net::TcpConnectionPtr& conn, net::Buffer* buf) {
  auto* session = std::any_cast<std::shared_ptr<RespSession>>(conn->getMutableContext());
  if (session != nullptr) (*session)->onMessage(conn, buf);
}

void RespServer::onConnection(const net::TcpConnectionPtr& conn) {
  if (conn->connected()) {
    conn->setTcpNoDelay(true);
    conn->setContext(
        std::make_shared<RespSession>(conn, store_, combiners_.forLoop(conn->getLoop()), state_));
    LOG_DEBUG << "RESP: connection from " << conn->peerAddress().toIpPort();
  } else {
    LOG_DEBUG << "RESP: " << conn->peerAddress().toIpPort() << " disconnected";
  }
}

}  // namespace muduo::kv
