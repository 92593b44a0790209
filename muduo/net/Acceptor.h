// Acceptor: the listening socket of a TcpServer. On each readable event it
// accepts up to kMaxAcceptsPerEvent connections (muduo takes one per
// wake-up, which costs an extra poll per connection under a connect storm)
// and hands each fd to the new-connection callback, which then owns it.
//
// When the process runs out of descriptors (EMFILE/ENFILE), a level-triggered
// poller would report the pending connection forever and spin. The Acceptor
// keeps one spare fd open: it closes it, accepts and immediately closes the
// connection (the peer sees a clean close instead of hanging in the backlog),
// then reopens the spare, and logs the event.
//
// Internal to muduo/net. Loop thread only.
#ifndef MUDUO_NET_ACCEPTOR_H_
#define MUDUO_NET_ACCEPTOR_H_

#include <functional>

#include "muduo/base/UniqueFd.h"
#include "muduo/net/Channel.h"
#include "muduo/net/Socket.h"

namespace muduo::net {

class EventLoop;
class InetAddress;

class Acceptor {
 public:
  using NewConnectionCallback = std::function<void(UniqueFd sockfd, const InetAddress&)>;

  static constexpr int kMaxAcceptsPerEvent = 16;

  Acceptor(EventLoop* loop, const InetAddress& listenAddr, bool reusePort);
  ~Acceptor();
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  void setNewConnectionCallback(NewConnectionCallback cb) {
    newConnectionCallback_ = std::move(cb);
  }

  void listen();
  [[nodiscard]] bool listening() const { return listening_; }
  // The bound address, with the kernel's port when the caller asked for port 0.
  [[nodiscard]] InetAddress localAddress() const;
  // How many connections were turned away for want of a descriptor.
  [[nodiscard]] int64_t rejectedForFdLimit() const { return rejectedForFdLimit_; }

 private:
  void handleRead();
  // Returns whether a pending connection was accepted and closed.
  bool rejectOneForFdLimit(int savedErrno);

  EventLoop* const loop_;
  Socket acceptSocket_;
  Channel acceptChannel_;
  NewConnectionCallback newConnectionCallback_;
  bool listening_ = false;
  UniqueFd spareFd_;
  int64_t rejectedForFdLimit_ = 0;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_ACCEPTOR_H_
