#include "muduo/net/Poller.h"

#include <cstdlib>

#include "muduo/net/EventLoop.h"
#include "muduo/net/poller/EPollPoller.h"
#include "muduo/net/poller/PollPoller.h"

namespace muduo::net {

std::unique_ptr<Poller> Poller::newDefaultPoller(EventLoop* loop) {
  if (::getenv("MUDUO_USE_POLL") != nullptr) return std::make_unique<PollPoller>(loop);
  return std::make_unique<EPollPoller>(loop);
}

void Poller::assertInLoopThread() const { ownerLoop_->assertInLoopThread(); }

}  // namespace muduo::net
