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

ConnectionOptions HttpServer::defaultConnectionOptions() {
  ConnectionOptions options;
  options.requestTimeout = std::chrono::seconds(30);
  options.idleTimeout = std::chrono::seconds(60);
  return options;
}

void HttpServer::start() {
  if (handler_ != nullptr) return;
  // Owned by shared_ptr: late asynchronous answers hold it weakly.
  handler_ =
      std::make_shared<HttpConnectionHandler>(callback_ ? callback_ : HttpCallback(notFound),
                                              asyncCallback_, limits_, maxKeepAliveRequests_);
  server_->setConnectionCallback([next = connectionCallback_](const TcpConnectionPtr& conn) {
    // Responses are written whole; do not let Nagle hold back their tails.
    if (conn->connected()) conn->setTcpNoDelay(true);
    if (next) next(conn);
  });
  server_->setMessageCallback(
      [handler = std::shared_ptr<const HttpConnectionHandler>(handler_)](
          const TcpConnectionPtr& conn, Buffer* buf, Timestamp receiveTime) {
        handler->onMessage(conn, buf, receiveTime);
      });
  server_->setConnectionOptions(options_);
  server_->start();
}

}  // namespace muduo::net
