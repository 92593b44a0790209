#include "rpc/testing/SocketPairConnection.h"

#include <sys/socket.h>

#include <cassert>
#include <cstdio>
#include <cstdlib>

#include "muduo/net/EventLoop.h"
#include "muduo/net/InetAddress.h"
#include "muduo/net/TcpConnection.h"
#include "rpc/RpcServer.h"

namespace muduo::rpc::testing {

SocketPairConnection::SocketPairConnection(net::EventLoop* loop, RpcServer* server)
    : SocketPairConnection(
          loop, [server](const net::TcpConnectionPtr& conn) { server->adoptConnection(conn); }) {}

SocketPairConnection::SocketPairConnection(net::EventLoop* loop, Adopt adopt) : loop_(loop) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
    std::perror("SocketPairConnection: socketpair");
    std::abort();
  }
  client_ = UniqueFd(fds[1]);
  conn_ = std::make_shared<net::TcpConnection>(loop, "socketpair", UniqueFd(fds[0]),
                                               net::InetAddress(), net::InetAddress());
  adopt(conn_);
  // What TcpServer does for its own: destroy the connection after the
  // events that closed it have been handled.
  conn_->setCloseCallback([loop, destroyed = destroyed_](const net::TcpConnectionPtr& c) {
    loop->queueInLoop([c, destroyed] {
      c->connectDestroyed();
      *destroyed = true;
    });
  });
  conn_->connectEstablished();
}

SocketPairConnection::~SocketPairConnection() {
  if (!*destroyed_ && !hangUp(8)) conn_->connectDestroyed();
}

bool SocketPairConnection::send(std::string_view bytes) {
  if (!client_) return false;
  const ssize_t n = ::send(client_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
  return n == static_cast<ssize_t>(bytes.size());
}

bool SocketPairConnection::receive(net::Buffer* out) {
  if (!client_) return false;
  bool got = false;
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::recv(client_.get(), chunk, sizeof chunk, MSG_DONTWAIT);
    if (n == 0) eof_ = true;
    if (n <= 0) return got;
    out->append(std::string_view(chunk, static_cast<size_t>(n)));
    got = true;
  }
}

void SocketPairConnection::turn() {
  // In completion mode (MUDUO_USE_URING=io) the iteration that handles a
  // request only queues its answer's send, which goes to the kernel with
  // the next wait and completes in it; a third settles what that
  // completion set off (the rest of a short send, a shutdown after it).
  // Readiness pollers write during the iteration itself.
  const int iterations = loop_->completionIo() != nullptr ? 3 : 1;
  for (int i = 0; i < iterations; ++i) {
    // Queued before loop(): it wakes the poll at once and ends the iteration.
    loop_->queueInLoop([loop = loop_] { loop->quit(); });
    loop_->loop();
  }
}

bool SocketPairConnection::serverClosed() const { return conn_->disconnected(); }

bool SocketPairConnection::hangUp(int maxTurns) {
  client_.reset();
  for (int i = 0; i < maxTurns && !*destroyed_; ++i) turn();
  return *destroyed_;
}

}  // namespace muduo::rpc::testing
