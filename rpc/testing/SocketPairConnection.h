// SocketPairConnection: one client connection that an RpcServer serves in the
// caller's thread, over a socketpair instead of an accepted socket
// (RpcServer::adoptConnection). A fuzz target feeds the server's real
// per-connection code (frame handling, protocol sniffing, the HTTP gateway)
// a chunk at a time and has each chunk handled in one loop turn: a
// socketpair delivers what was sent at once, and nothing is merged or split
// by a TCP stack on the way.
//
// Test-only. The loop, the server and this object belong to one thread, the
// loop's; turn() runs the loop, so it must not already be looping. The
// server must have no worker pool, so every call runs inside turn().
#ifndef RPC_TESTING_SOCKETPAIRCONNECTION_H_
#define RPC_TESTING_SOCKETPAIRCONNECTION_H_

#include <memory>
#include <string_view>

#include "muduo/base/UniqueFd.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/Callbacks.h"

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::rpc {

class RpcServer;

namespace testing {

class SocketPairConnection {
 public:
  // Connects: the server sees a new connection (its connection callback
  // runs here).
  SocketPairConnection(net::EventLoop* loop, RpcServer* server);
  // Hangs up and tears the connection down if the test did not.
  ~SocketPairConnection();
  SocketPairConnection(const SocketPairConnection&) = delete;
  SocketPairConnection& operator=(const SocketPairConnection&) = delete;

  // As the client: false when the socketpair did not take every byte (more
  // than its buffer holds while the server does not read) or is closed.
  [[nodiscard]] bool send(std::string_view bytes);
  // Appends what the server has sent so far; never blocks.
  void receive(net::Buffer* out);

  // One loop iteration: the server handles what arrived and the functors
  // queued meanwhile run (a forced close, writes deferred to the end of the
  // events, answers queued with queueInLoop).
  void turn();

  // Whether the server has closed the connection.
  [[nodiscard]] bool serverClosed() const;
  // The client closes its end; true once the server noticed and the
  // connection was destroyed, within `maxTurns` turns.
  [[nodiscard]] bool hangUp(int maxTurns);

 private:
  net::EventLoop* const loop_;
  UniqueFd client_;
  net::TcpConnectionPtr conn_;
  // Set by the close callback's functor, which may outlive a test that
  // forgets to hang up, hence shared.
  std::shared_ptr<bool> destroyed_ = std::make_shared<bool>(false);
};

}  // namespace testing
}  // namespace muduo::rpc

#endif  // RPC_TESTING_SOCKETPAIRCONNECTION_H_
