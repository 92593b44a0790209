// Helpers for the HTTP tests: an HttpServer on loopback port 0 in its own
// loop thread, a blocking HTTP/1.1 client whose every read times out, and
// bounded waits for conditions no callback announces (descriptor counts).
//
// Test-only. Construct and destroy each in one (test) thread.
#ifndef MUDUO_NET_HTTP_HTTPTESTUTIL_H_
#define MUDUO_NET_HTTP_HTTPTESTUTIL_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "muduo/net/EventLoopThread.h"
#include "muduo/net/InetAddress.h"
#include "muduo/net/TestUtil.h"
#include "muduo/net/http/HttpServer.h"

namespace muduo::net::test {

class HttpServerThread {
 public:
  explicit HttpServerThread(HttpCallback cb, HttpParser::Limits limits = {},
                            std::chrono::milliseconds idleTimeout = std::chrono::seconds(60));
  // `setup` configures the server in its loop thread before start().
  HttpServerThread(HttpCallback cb, std::function<void(HttpServer&)> setup);
  ~HttpServerThread();
  HttpServerThread(const HttpServerThread&) = delete;
  HttpServerThread& operator=(const HttpServerThread&) = delete;

  [[nodiscard]] const InetAddress& address() const { return address_; }
  // The server's open connections, counted in its loop thread.
  [[nodiscard]] size_t numConnections();

 private:
  EventLoopThread thread_;
  EventLoop* loop_;
  std::unique_ptr<HttpServer> server_;
  InetAddress address_;
};

struct HttpTestResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  [[nodiscard]] std::string header(const std::string& lowerName) const {
    auto it = headers.find(lowerName);
    return it == headers.end() ? std::string() : it->second;
  }
};

class HttpTestClient {
 public:
  explicit HttpTestClient(const InetAddress& server);
  // With a receive buffer of `receiveBufferBytes` (SO_RCVBUF, set before
  // connecting, so the window is small from the start): a peer whose kernel
  // takes little, for tests of what the server holds while it does not read.
  HttpTestClient(const InetAddress& server, int receiveBufferBytes);

  [[nodiscard]] bool connected() const { return connected_; }
  [[nodiscard]] bool send(std::string_view bytes) { return socket_.sendAll(bytes); }
  // Reads one response (Content-Length framed; no body for HEAD and 304, or
  // when `noBody`). nullopt on EOF, error or timeout.
  [[nodiscard]] std::optional<HttpTestResponse> read(bool noBody = false);
  // Sends a GET with `extraHeaders` ("Name: v\r\n"...) and reads the answer.
  [[nodiscard]] std::optional<HttpTestResponse> get(std::string_view target,
                                                    std::string_view extraHeaders = "");
  // Whether the server closes the connection with nothing more to read.
  [[nodiscard]] bool closedByPeer();

 private:
  [[nodiscard]] bool readMore();

  BlockingSocket socket_;
  bool connected_;
  std::string pending_;
};

// Entries in /proc/self/fd: the descriptors this process holds (the test's
// clients and the server in its threads alike).
[[nodiscard]] size_t countOpenFds();

// Polls `condition` every millisecond until it holds (true) or kTimeout
// passes (false): for states that no callback announces.
[[nodiscard]] bool waitUntil(const std::function<bool()>& condition);

}  // namespace muduo::net::test

#endif  // MUDUO_NET_HTTP_HTTPTESTUTIL_H_
