// TimeoutSweeper: closes the connections of one I/O loop that break their
// timeouts (ConnectionOptions: the request deadline, the idle timeout).
//
// A periodic sweep over the loop's connections rather than a timer per
// connection: reading and writing only store a timestamp that the
// connection already has at hand (the loop's poll time), so the hot path
// pays nothing, and one sweep costs a few nanoseconds per connection. A
// timeout fires at most one tick late.
//
// Internal to muduo/net; TcpServer keeps one per I/O loop, owned by shared_ptr
// and held weakly by everything else. Loop thread only, including
// destruction (which cancels the tick first).
#ifndef MUDUO_NET_TIMEOUTSWEEPER_H_
#define MUDUO_NET_TIMEOUTSWEEPER_H_

#include <chrono>
#include <cstdint>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "muduo/base/Timestamp.h"
#include "muduo/net/Callbacks.h"
#include "muduo/net/ConnectionOptions.h"
#include "muduo/net/TimerId.h"

namespace muduo::net {

class EventLoop;

class TimeoutSweeper : public std::enable_shared_from_this<TimeoutSweeper> {
 public:
  // The tick that catches every timeout in `options` within a quarter of
  // the shortest one (at least 10 ms, at most 1 s); zero when none is set.
  [[nodiscard]] static std::chrono::milliseconds tickFor(const ConnectionOptions& options);

  explicit TimeoutSweeper(EventLoop* loop);
  ~TimeoutSweeper();
  TimeoutSweeper(const TimeoutSweeper&) = delete;
  TimeoutSweeper& operator=(const TimeoutSweeper&) = delete;

  // Sweeps every `tick` from now on. Once.
  void start(std::chrono::milliseconds tick);

  void add(const TcpConnectionPtr& conn);
  void remove(const TcpConnection* conn);
  [[nodiscard]] size_t size() const { return connections_.size(); }
  [[nodiscard]] int64_t closedCount() const { return closed_; }

  // Closes each connection whose timeoutReason(now) says so. Public so tests
  // can sweep at a time of their choosing.
  void sweep(Timestamp now);

 private:
  EventLoop* const loop_;
  absl::flat_hash_map<const TcpConnection*, std::weak_ptr<TcpConnection>> connections_;
  TimerId timer_;
  int64_t closed_ = 0;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_TIMEOUTSWEEPER_H_
