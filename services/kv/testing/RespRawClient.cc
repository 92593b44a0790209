#include "services/kv/testing/RespRawClient.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace muduo::kv::resp_test {

RespRawClient::RespRawClient(uint16_t port, std::chrono::seconds wait)
    : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
  timeval tv{static_cast<time_t>(wait.count()), 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

RespRawClient::~RespRawClient() { ::close(fd_); }

void RespRawClient::setReceiveBuffer(int bytes) {
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

void RespRawClient::send(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    ASSERT_GT(n, 0) << "send failed: " << strerror(errno);
    data.remove_prefix(static_cast<size_t>(n));
  }
}

std::string RespRawClient::read(size_t n) {
  std::string out;
  char buf[65536];
  while (out.size() < n) {
    const ssize_t got = ::read(fd_, buf, std::min(sizeof buf, n - out.size()));
    if (got <= 0) break;
    out.append(buf, static_cast<size_t>(got));
  }
  return out;
}

std::string RespRawClient::readAll(size_t limit) {
  std::string out;
  while (out.size() < limit) {
    const std::string piece = read(std::min<size_t>(64 << 10, limit - out.size()));
    if (piece.empty()) break;
    out += piece;
  }
  return out;
}

void RespRawClient::roundTrip(std::string_view request, std::string_view reply) {
  send(request);
  EXPECT_EQ(read(reply.size()), reply) << "for request " << request;
}

bool RespRawClient::readsEof() {
  char c;
  return ::read(fd_, &c, 1) == 0 || errno == ECONNRESET;
}

std::string command(std::initializer_list<std::string_view> args) {
  std::string out = absl::StrCat("*", args.size(), "\r\n");
  for (std::string_view arg : args) {
    absl::StrAppend(&out, "$", arg.size(), "\r\n", std::string(arg), "\r\n");
  }
  return out;
}

std::string bulk(std::string_view value) {
  return absl::StrCat("$", value.size(), "\r\n", std::string(value), "\r\n");
}

std::string readReply(RespRawClient& client) {
  std::string line;
  while (!line.ends_with("\r\n") && line.size() < (1 << 20)) {
    const std::string c = client.read(1);
    if (c.empty()) return line;  // EOF or timeout
    line += c;
  }
  if (line.size() < 3 || (line[0] != '$' && line[0] != '*')) return line;
  const int64_t n = std::stoll(line.substr(1, line.size() - 3));
  if (line[0] == '$' && n >= 0) return line + client.read(static_cast<size_t>(n) + 2);
  if (line[0] == '*') {
    for (int64_t i = 0; i < n; ++i) line += readReply(client);
  }
  return line;
}

std::string ask(RespRawClient& client, std::initializer_list<std::string_view> args) {
  client.send(command(args));
  return readReply(client);
}

}  // namespace muduo::kv::resp_test
