// HttpServer: an HTTP/1.1 server on a TcpServer. Each request goes to the
// HttpCallback; keep-alive, pipelining and request limits are handled by
// HttpConnectionHandler, which keeps each connection's HttpParser in the
// TcpConnection's context. The reactor's limits apply to every connection
// (ConnectionOptions): a request whose header or body stops arriving is
// closed after the request timeout (30 s by default), an idle connection
// after the idle timeout (60 s), and a peer that does not read its responses
// is held to the output budget (4 MiB). After maxKeepAliveRequests requests
// (1000 by default) a connection is closed with its last response.
//
// Owns its TcpServer. Thread contract as TcpServer's: construct, configure,
// start and destroy in the base loop's thread. The callback runs in the I/O
// loop threads (several at once with setThreadNum > 0).
#ifndef MUDUO_NET_HTTP_HTTPSERVER_H_
#define MUDUO_NET_HTTP_HTTPSERVER_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "muduo/net/ConnectionOptions.h"
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
  // Before start(). Offered each request first (see AsyncHttpCallback).
  void setAsyncHttpCallback(AsyncHttpCallback cb) { asyncCallback_ = std::move(cb); }
  // Before start(). Called after the server's own setup of each connection
  // (up and down), in its loop thread.
  void setConnectionCallback(ConnectionCallback cb) { connectionCallback_ = std::move(cb); }
  void setLimits(const HttpParser::Limits& limits) { limits_ = limits; }
  void setThreadNum(int numThreads) { server_->setThreadNum(numThreads); }
  // Before start(). The budget and timeouts of every connection; replaces
  // what the setters below set.
  void setConnectionOptions(const ConnectionOptions& options) { options_ = options; }
  [[nodiscard]] const ConnectionOptions& connectionOptions() const { return options_; }
  // Before start(). 0 disables each.
  void setIdleTimeout(std::chrono::milliseconds timeout) { options_.idleTimeout = timeout; }
  void setRequestTimeout(std::chrono::milliseconds timeout) { options_.requestTimeout = timeout; }
  void setMaxKeepAliveRequests(size_t n) { maxKeepAliveRequests_ = n; }

  void start();

  // A 30 s request deadline, a 60 s idle timeout, the 4 MiB budget.
  [[nodiscard]] static ConnectionOptions defaultConnectionOptions();

  [[nodiscard]] InetAddress listenAddress() const { return server_->listenAddress(); }
  // OK when the constructor could bind and listen (TcpServer::listenStatus).
  [[nodiscard]] const absl::Status& listenStatus() const { return server_->listenStatus(); }
  [[nodiscard]] TcpServer* tcpServer() { return server_.get(); }

 private:
  std::unique_ptr<TcpServer> server_;
  HttpCallback callback_;
  AsyncHttpCallback asyncCallback_;
  ConnectionCallback connectionCallback_;
  HttpParser::Limits limits_;
  ConnectionOptions options_ = defaultConnectionOptions();
  size_t maxKeepAliveRequests_ = 1000;
  // Shared with the message callbacks, which run in the I/O loops.
  std::shared_ptr<HttpConnectionHandler> handler_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_HTTP_HTTPSERVER_H_
