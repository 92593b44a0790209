#include "muduo/net/TimeoutSweeper.h"

#include <algorithm>
#include <vector>

#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/TcpConnection.h"

namespace muduo::net {

std::chrono::milliseconds TimeoutSweeper::tickFor(const ConnectionOptions& options) {
  using std::chrono::milliseconds;
  milliseconds shortest{0};
  for (milliseconds t : {options.requestTimeout, options.idleTimeout}) {
    if (t.count() > 0 && (shortest.count() == 0 || t < shortest)) shortest = t;
  }
  if (shortest.count() == 0) return shortest;
  return std::clamp(shortest / 4, milliseconds(10), milliseconds(1000));
}

TimeoutSweeper::TimeoutSweeper(EventLoop* loop) : loop_(loop) {}

TimeoutSweeper::~TimeoutSweeper() {
  loop_->assertInLoopThread();
  loop_->cancel(timer_);
}

void TimeoutSweeper::start(std::chrono::milliseconds tick) {
  loop_->assertInLoopThread();
  // Weakly: a tick that finds the sweeper gone does nothing, whoever let go
  // of it last.
  timer_ = loop_->runEvery(tick, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->sweep(Timestamp::now());
  });
}

void TimeoutSweeper::add(const TcpConnectionPtr& conn) {
  loop_->assertInLoopThread();
  connections_.emplace(conn.get(), conn);
}

void TimeoutSweeper::remove(const TcpConnection* conn) {
  loop_->assertInLoopThread();
  connections_.erase(conn);
}

void TimeoutSweeper::sweep(Timestamp now) {
  loop_->assertInLoopThread();
  // Collected first: closing runs callbacks that may remove() from the map.
  std::vector<std::pair<TcpConnectionPtr, const char*>> expired;
  for (auto it = connections_.begin(); it != connections_.end();) {
    TcpConnectionPtr conn = it->second.lock();
    if (conn == nullptr) {
      connections_.erase(it++);
      continue;
    }
    if (const char* reason = conn->timeoutReason(now)) expired.emplace_back(std::move(conn), reason);
    ++it;
  }
  for (auto& [conn, reason] : expired) {
    connections_.erase(conn.get());
    ++closed_;
    LOG_INFO << "closing connection from " << conn->peerAddress().toIpPort() << " ("
             << conn->name() << "): " << reason;
    conn->forceClose();
  }
}

}  // namespace muduo::net
