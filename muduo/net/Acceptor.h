// Acceptor: the listening socket of a TcpServer. On each readable event it
// accepts up to kMaxAcceptsPerEvent connections (muduo takes one per
// wake-up, which costs an extra poll per connection under a connect storm)
// and hands each fd to the new-connection callback, which then owns it.
//
// The constructor binds and listens at once, so that a port in use or an
// address that is not this host's is known before anything starts; status()
// reports it and the owner decides what to do (a server binary prints one
// line and exits). Connections that arrive before startAccepting() wait in
// the kernel's backlog.
//
// When the process runs out of descriptors (EMFILE/ENFILE), a level-triggered
// poller would report the pending connection forever and spin. The Acceptor
// keeps one spare fd open: it closes it, accepts and immediately closes the
// connection (the peer sees a clean close instead of hanging in the backlog),
// then reopens the spare, and logs the event. When no spare can be had
// (another thread took the freed slot first), it stops watching the socket
// for kFdLimitBackoff at a time, logging once, instead of spinning.
//
// Internal to muduo/net. Loop thread only.
#ifndef MUDUO_NET_ACCEPTOR_H_
#define MUDUO_NET_ACCEPTOR_H_

#include <chrono>
#include <functional>

#include "absl/status/status.h"
#include "muduo/base/UniqueFd.h"
#include "muduo/net/Channel.h"
#include "muduo/net/InetAddress.h"
#include "muduo/net/Socket.h"
#include "muduo/net/TimerId.h"

namespace muduo::net {

class EventLoop;

class Acceptor {
 public:
  using NewConnectionCallback = std::function<void(UniqueFd sockfd, const InetAddress&)>;

  static constexpr int kMaxAcceptsPerEvent = 16;
  static constexpr std::chrono::milliseconds kFdLimitBackoff{100};

  Acceptor(EventLoop* loop, const InetAddress& listenAddr, bool reusePort);
  ~Acceptor();
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  void setNewConnectionCallback(NewConnectionCallback cb) {
    newConnectionCallback_ = std::move(cb);
  }

  // OK once the socket listens; otherwise why not, naming the address and
  // the reason: "cannot listen on 127.0.0.1:9091: Address already in use".
  [[nodiscard]] const absl::Status& status() const { return status_; }
  // Starts accepting the connections that arrive (and have arrived). Only
  // when status() is OK; once.
  void startAccepting();
  [[nodiscard]] bool accepting() const { return accepting_; }
  // The bound address, with the kernel's port when the caller asked for port
  // 0; the requested address when status() is not OK.
  [[nodiscard]] InetAddress localAddress() const;
  // How many connections were turned away for want of a descriptor.
  [[nodiscard]] int64_t rejectedForFdLimit() const { return rejectedForFdLimit_; }
  // How many times accepting paused for kFdLimitBackoff with no spare fd.
  [[nodiscard]] int64_t pausedForFdLimit() const { return pausedForFdLimit_; }

 private:
  void handleRead();
  // Returns whether a pending connection was accepted and closed.
  bool rejectOneForFdLimit(int savedErrno);
  void pauseForFdLimit(int savedErrno);

  EventLoop* const loop_;
  const InetAddress requestedAddr_;
  absl::Status status_;  // set by the constructor, before acceptSocket_
  Socket acceptSocket_;
  Channel acceptChannel_;
  NewConnectionCallback newConnectionCallback_;
  bool accepting_ = false;
  UniqueFd spareFd_;
  int64_t rejectedForFdLimit_ = 0;
  int64_t pausedForFdLimit_ = 0;
  TimerId resumeTimer_;              // pending while paused for want of a spare
  bool loggedFdLimitPause_ = false;  // until a spare is had again
};

}  // namespace muduo::net

#endif  // MUDUO_NET_ACCEPTOR_H_
