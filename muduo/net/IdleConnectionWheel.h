// IdleConnectionWheel: closes connections that stay silent for longer than a
// timeout, with O(1) work per message and per tick and no allocation per
// message.
//
// The wheel has buckets+1 slots, one per tick (timeout / buckets). A
// connection sits in the slot of the tick in which it last spoke; touching
// it splices its list node into the current slot (nothing happens when it
// is already there, the usual case for a busy connection). Each tick the
// wheel advances and force-closes whatever is in the slot it advances onto:
// those connections have been silent for at least `timeout`, and at most
// timeout + one tick.
//
// Internal to muduo/net; TcpServer keeps one per I/O loop. Loop thread only.
#ifndef MUDUO_NET_IDLECONNECTIONWHEEL_H_
#define MUDUO_NET_IDLECONNECTIONWHEEL_H_

#include <chrono>
#include <list>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "muduo/net/Callbacks.h"
#include "muduo/net/TimerId.h"

namespace muduo::net {

class EventLoop;

class IdleConnectionWheel {
 public:
  IdleConnectionWheel(EventLoop* loop, std::chrono::milliseconds timeout, int buckets);
  ~IdleConnectionWheel();
  IdleConnectionWheel(const IdleConnectionWheel&) = delete;
  IdleConnectionWheel& operator=(const IdleConnectionWheel&) = delete;

  void add(const TcpConnectionPtr& conn);
  void touch(const TcpConnectionPtr& conn);
  void remove(const TcpConnectionPtr& conn);

  [[nodiscard]] size_t size() const { return entries_.size(); }
  [[nodiscard]] int64_t closedCount() const { return closed_; }

  // Advances one tick; public so tests can drive the wheel without waiting.
  void tick();

 private:
  using Slot = std::list<std::weak_ptr<TcpConnection>>;
  struct Entry {
    size_t slot;
    Slot::iterator node;
  };

  EventLoop* const loop_;
  std::vector<Slot> slots_;
  size_t current_ = 0;
  absl::flat_hash_map<TcpConnection*, Entry> entries_;
  TimerId timer_;
  int64_t closed_ = 0;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_IDLECONNECTIONWHEEL_H_
