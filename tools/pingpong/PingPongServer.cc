#include "tools/pingpong/PingPongServer.h"

#include "muduo/net/Buffer.h"
#include "muduo/net/TcpConnection.h"
#include "muduo/net/TcpServer.h"

namespace pingpong {

using muduo::net::Buffer;
using muduo::net::TcpConnectionPtr;

PingPongServer::PingPongServer(muduo::net::EventLoop* loop,
                               const muduo::net::InetAddress& listenAddr, int threads)
    : server_(std::make_unique<muduo::net::TcpServer>(loop, listenAddr, "PingPongServer")) {
  server_->setThreadNum(threads);
  server_->setConnectionCallback([](const TcpConnectionPtr& conn) {
    if (conn->connected()) conn->setTcpNoDelay(true);
  });
  server_->setMessageCallback(
      [](const TcpConnectionPtr& conn, Buffer* buf, muduo::Timestamp) { conn->send(buf); });
}

PingPongServer::~PingPongServer() = default;

void PingPongServer::start() { server_->start(); }

muduo::net::InetAddress PingPongServer::listenAddress() const { return server_->listenAddress(); }

absl::Status PingPongServer::listenStatus() const { return server_->listenStatus(); }

}  // namespace pingpong
