#include "muduo/net/IdleConnectionWheel.h"

#include <cassert>

#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/TcpConnection.h"

namespace muduo::net {

IdleConnectionWheel::IdleConnectionWheel(EventLoop* loop, std::chrono::milliseconds timeout,
                                         int buckets)
    : loop_(loop), slots_(static_cast<size_t>(buckets) + 1) {
  assert(buckets > 0 && timeout.count() > 0);
  const auto tickInterval =
      std::chrono::duration_cast<std::chrono::microseconds>(timeout) / buckets;
  // The wheel dies with its owner in the loop thread, which cancels the
  // timer first, so `this` in the callback never dangles.
  timer_ = loop_->runEvery(tickInterval, [this] { tick(); });
}

IdleConnectionWheel::~IdleConnectionWheel() { loop_->cancel(timer_); }

void IdleConnectionWheel::add(const TcpConnectionPtr& conn) {
  loop_->assertInLoopThread();
  Slot& slot = slots_[current_];
  slot.push_front(conn);
  entries_[conn.get()] = Entry{current_, slot.begin()};
}

void IdleConnectionWheel::touch(const TcpConnectionPtr& conn) {
  auto it = entries_.find(conn.get());
  if (it == entries_.end() || it->second.slot == current_) return;
  Slot& to = slots_[current_];
  to.splice(to.begin(), slots_[it->second.slot], it->second.node);
  it->second.slot = current_;
}

void IdleConnectionWheel::remove(const TcpConnectionPtr& conn) {
  auto it = entries_.find(conn.get());
  if (it == entries_.end()) return;
  slots_[it->second.slot].erase(it->second.node);
  entries_.erase(it);
}

void IdleConnectionWheel::tick() {
  loop_->assertInLoopThread();
  current_ = (current_ + 1) % slots_.size();
  // Detach first: forceClose() may call remove() (it defers through the
  // loop today, but the wheel should not depend on that).
  Slot expired;
  expired.swap(slots_[current_]);
  for (const auto& weak : expired) {
    TcpConnectionPtr conn = weak.lock();
    if (conn == nullptr) continue;
    entries_.erase(conn.get());
    ++closed_;
    LOG_INFO << "closing idle connection " << conn->name();
    conn->forceClose();
  }
}

}  // namespace muduo::net
