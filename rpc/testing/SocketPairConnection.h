// SocketPairConnection: one client connection that a server serves in the
// caller's thread, over a socketpair instead of an accepted socket (the
// server's adoptConnection: RpcServer's, or any other server's through the
// Adopt constructor). A fuzz target feeds the server's real
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

#include "absl/functional/function_ref.h"
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
  // The same for any server: `adopt` gives it the connection.
  using Adopt = absl::FunctionRef<void(const net::TcpConnectionPtr&)>;
  SocketPairConnection(net::EventLoop* loop, Adopt adopt);
  // Hangs up and tears the connection down if the test did not.
  ~SocketPairConnection();
  SocketPairConnection(const SocketPairConnection&) = delete;
  SocketPairConnection& operator=(const SocketPairConnection&) = delete;

  // As the client: false when the socketpair did not take every byte (more
  // than its buffer holds while the server does not read) or is closed.
  [[nodiscard]] bool send(std::string_view bytes);
  // Appends what the server has sent so far; never blocks. True if anything
  // came.
  bool receive(net::Buffer* out);
  // Whether receive() has read the server's end of stream (it shut down or
  // closed its side).
  [[nodiscard]] bool eof() const { return eof_; }

  // One loop iteration (three in completion mode, where writes complete in
  // the iteration after): the server handles what arrived and the functors
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
  bool eof_ = false;
};

}  // namespace testing
}  // namespace muduo::rpc

#endif  // RPC_TESTING_SOCKETPAIRCONNECTION_H_
