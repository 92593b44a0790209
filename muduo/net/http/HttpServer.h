// HttpServer: an HTTP/1.1 server on a TcpServer. Each request goes to the
// HttpCallback; keep-alive, pipelining and request limits are handled by
// HttpConnectionHandler, which keeps each connection's HttpParser in the
// TcpConnection's context. Idle connections are closed after the idle
// timeout (60 s by default).
//
// Owns its TcpServer. Thread contract as TcpServer's: construct, configure,
// start and destroy in the base loop's thread. The callback runs in the I/O
// loop threads (several at once with setThreadNum > 0).
#ifndef MUDUO_NET_HTTP_HTTPSERVER_H_
#define MUDUO_NET_HTTP_HTTPSERVER_H_

#include <chrono>
#include <memory>
#include <string>

#include "muduo/net/InetAddress.h"
#include "muduo/net/TcpServer.h"
#include "muduo/net/http/HttpConnectionHandler.h"

namespace muduo::net {

class EventLoop;

class HttpServer {
 public:
  HttpServer(EventLoop* loop, const InetAddress& listenAddr, std::string name,
             TcpServer::Option option = TcpServer::Option::kNoReusePort);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Before start(). Without a callback every request gets 404.
  void setHttpCallback(HttpCallback cb) { callback_ = std::move(cb); }
  void setLimits(const HttpParser::Limits& limits) { limits_ = limits; }
  void setThreadNum(int numThreads) { server_->setThreadNum(numThreads); }
  // 0 disables it.
  void setIdleTimeout(std::chrono::milliseconds timeout) { idleTimeout_ = timeout; }

  void start();

  [[nodiscard]] InetAddress listenAddress() const { return server_->listenAddress(); }
  // OK when the constructor could bind and listen (TcpServer::listenStatus).
  [[nodiscard]] const absl::Status& listenStatus() const { return server_->listenStatus(); }
  [[nodiscard]] TcpServer* tcpServer() { return server_.get(); }

 private:
  std::unique_ptr<TcpServer> server_;
  HttpCallback callback_;
  HttpParser::Limits limits_;
  std::chrono::milliseconds idleTimeout_{60 * 1000};
  // Shared with the message callbacks, which run in the I/O loops.
  std::shared_ptr<const HttpConnectionHandler> handler_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_HTTP_HTTPSERVER_H_
