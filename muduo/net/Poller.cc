#include "muduo/net/Poller.h"

#include <atomic>
#include <cstdlib>
#include <string>
#include <string_view>

#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/poller/EPollPoller.h"
#include "muduo/net/poller/PollPoller.h"
#include "muduo/net/poller/UringPoller.h"

namespace muduo::net {

std::unique_ptr<Poller> Poller::newDefaultPoller(EventLoop* loop) {
  if (::getenv("MUDUO_USE_POLL") != nullptr) return std::make_unique<PollPoller>(loop);
  if (const char* uringMode = ::getenv("MUDUO_USE_URING")) {
    std::string error;
    const bool completion = std::string_view(uringMode) == "io";
    if (auto uring = UringPoller::create(loop, completion, &error)) return uring;
    // Every loop of the process would say the same; once is enough.
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true)) {
      LOG_WARN << "MUDUO_USE_URING: " << error << "; falling back to epoll";
    }
  }
  return std::make_unique<EPollPoller>(loop);
}

void Poller::assertInLoopThread() const { ownerLoop_->assertInLoopThread(); }

}  // namespace muduo::net
