#include "muduo/net/http/HttpTestUtil.h"

#include <dirent.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <thread>

namespace muduo::net::test {

HttpServerThread::HttpServerThread(HttpCallback cb, HttpParser::Limits limits,
                                   std::chrono::milliseconds idleTimeout)
    : loop_(thread_.startLoop()) {
  runInLoopAndWait(loop_, [&] {
    server_ = std::make_unique<HttpServer>(loop_, InetAddress(0, true), "HttpTest");
    server_->setHttpCallback(std::move(cb));
    server_->setLimits(limits);
    server_->setIdleTimeout(idleTimeout);
    server_->start();
    address_ = server_->listenAddress();
  });
}

HttpServerThread::HttpServerThread(HttpCallback cb, std::function<void(HttpServer&)> setup)
    : loop_(thread_.startLoop()) {
  runInLoopAndWait(loop_, [&] {
    server_ = std::make_unique<HttpServer>(loop_, InetAddress(0, true), "HttpTest");
    server_->setHttpCallback(std::move(cb));
    setup(*server_);
    server_->start();
    address_ = server_->listenAddress();
  });
}

size_t HttpServerThread::numConnections() {
  size_t n = 0;
  runInLoopAndWait(loop_, [&] { n = server_->tcpServer()->numConnections(); });
  return n;
}

HttpServerThread::~HttpServerThread() {
  runInLoopAndWait(loop_, [this] { server_.reset(); });
}

HttpTestClient::HttpTestClient(const InetAddress& server)
    : connected_(socket_.connect(server) == 0) {}

HttpTestClient::HttpTestClient(const InetAddress& server, int receiveBufferBytes)
    : connected_(::setsockopt(socket_.fd(), SOL_SOCKET, SO_RCVBUF, &receiveBufferBytes,
                              sizeof receiveBufferBytes) == 0 &&
                 socket_.connect(server) == 0) {}

bool HttpTestClient::readMore() {
  char buf[64 * 1024];
  int error = 0;
  const ssize_t n = socket_.readSome(buf, sizeof buf, &error);
  if (n <= 0) return false;
  pending_.append(buf, static_cast<size_t>(n));
  return true;
}

std::optional<HttpTestResponse> HttpTestClient::read(bool noBody) {
  size_t end;
  while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
    if (!readMore()) return std::nullopt;
  }
  HttpTestResponse response;
  const std::string head = pending_.substr(0, end + 2);
  pending_.erase(0, end + 4);
  size_t lineEnd = head.find("\r\n");
  const std::string statusLine = head.substr(0, lineEnd);
  if (statusLine.rfind("HTTP/1.1 ", 0) != 0) return std::nullopt;
  response.status = std::atoi(statusLine.c_str() + 9);
  size_t pos = lineEnd + 2;
  while (pos < head.size()) {
    lineEnd = head.find("\r\n", pos);
    const std::string line = head.substr(pos, lineEnd - pos);
    pos = lineEnd + 2;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t v = colon + 1;
    while (v < line.size() && line[v] == ' ') ++v;
    response.headers[name] = line.substr(v);
  }
  if (noBody || response.status == 304 || response.status < 200 || response.status == 204) {
    return response;
  }
  const size_t length = std::strtoull(response.header("content-length").c_str(), nullptr, 10);
  while (pending_.size() < length) {
    if (!readMore()) return std::nullopt;
  }
  response.body = pending_.substr(0, length);
  pending_.erase(0, length);
  return response;
}

std::optional<HttpTestResponse> HttpTestClient::get(std::string_view target,
                                                    std::string_view extraHeaders) {
  std::string request = "GET ";
  request.append(target);
  request.append(" HTTP/1.1\r\nHost: test\r\n");
  request.append(extraHeaders);
  request.append("\r\n");
  if (!send(request)) return std::nullopt;
  return read();
}

bool HttpTestClient::closedByPeer() {
  if (!pending_.empty()) return false;
  char c;
  int error = 0;
  const ssize_t n = socket_.readSome(&c, 1, &error);
  return n == 0 || (n < 0 && error == ECONNRESET);
}

size_t countOpenFds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  size_t n = 0;
  while (const struct dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n - 1;  // the directory stream's own descriptor
}

bool waitUntil(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace muduo::net::test
