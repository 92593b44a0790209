#include "muduo/net/http/HttpServer.h"

#include "muduo/net/TcpConnection.h"

namespace muduo::net {

namespace {

void notFound(const HttpRequest&, HttpResponse* response) {
  response->setStatusCode(404);
  response->setContentType("text/plain");
  response->setBody("Not Found\n");
}

}  // namespace

HttpServer::HttpServer(EventLoop* loop, const InetAddress& listenAddr, std::string name,
                       TcpServer::Option option)
    : server_(std::make_unique<TcpServer>(loop, listenAddr, std::move(name), option)) {}

HttpServer::~HttpServer() = default;

void HttpServer::start() {
  if (handler_ != nullptr) return;
  handler_ = std::make_shared<const HttpConnectionHandler>(
      callback_ ? callback_ : HttpCallback(notFound), limits_);
  server_->setConnectionCallback([](const TcpConnectionPtr& conn) {
    // Responses are written whole; do not let Nagle hold back their tails.
    if (conn->connected()) conn->setTcpNoDelay(true);
  });
  server_->setMessageCallback(
      [handler = handler_](const TcpConnectionPtr& conn, Buffer* buf, Timestamp receiveTime) {
        handler->onMessage(conn, buf, receiveTime);
      });
  if (idleTimeout_.count() > 0) server_->setIdleTimeout(idleTimeout_);
  server_->start();
}

}  // namespace muduo::net
