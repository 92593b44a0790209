// Helpers for the HTTP tests: an HttpServer on loopback port 0 in its own
// loop thread, and a blocking HTTP/1.1 client whose every read times out.
//
// Test-only. Construct and destroy each in one (test) thread.
#ifndef MUDUO_NET_HTTP_HTTPTESTUTIL_H_
#define MUDUO_NET_HTTP_HTTPTESTUTIL_H_

#include <chrono>
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
  ~HttpServerThread();
  HttpServerThread(const HttpServerThread&) = delete;
  HttpServerThread& operator=(const HttpServerThread&) = delete;

  [[nodiscard]] const InetAddress& address() const { return address_; }

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

}  // namespace muduo::net::test

#endif  // MUDUO_NET_HTTP_HTTPTESTUTIL_H_
