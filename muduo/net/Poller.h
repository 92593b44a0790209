// Poller: the I/O multiplexing interface behind an EventLoop.
//
// Internal to muduo/net. Owned by one EventLoop and used only in its thread.
// newDefaultPoller() picks epoll, or poll when MUDUO_USE_POLL is set in the
// environment, or io_uring when MUDUO_USE_URING is set (so every reactor test
// can run against each). Where io_uring cannot be set up (disabled by sysctl,
// blocked by seccomp, an old kernel) it logs one WARN and uses epoll.
// MUDUO_USE_URING=io asks for completion-based I/O on top (see
// CompletionIo); where the kernel lacks what that needs, it logs one WARN
// and the io_uring poller runs in readiness mode.
#ifndef MUDUO_NET_POLLER_H_
#define MUDUO_NET_POLLER_H_

#include <memory>
#include <vector>

#include "muduo/base/Timestamp.h"

namespace muduo::net {

class Channel;
class CompletionIo;
class EventLoop;

class Poller {
 public:
  using ChannelList = std::vector<Channel*>;

  explicit Poller(EventLoop* loop) : ownerLoop_(loop) {}
  virtual ~Poller() = default;
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // Waits up to timeoutMs for I/O and appends the ready channels.
  virtual Timestamp poll(int timeoutMs, ChannelList* activeChannels) = 0;
  // Adds the channel, or changes its interest set.
  virtual void updateChannel(Channel* channel) = 0;
  virtual void removeChannel(Channel* channel) = 0;
  [[nodiscard]] virtual bool hasChannel(Channel* channel) const = 0;
  // Completion-based socket I/O, or null when this poller reports readiness
  // only. Fixed for the poller's life.
  [[nodiscard]] virtual CompletionIo* completionIo() { return nullptr; }

  static std::unique_ptr<Poller> newDefaultPoller(EventLoop* loop);

  void assertInLoopThread() const;
  // The same in debug builds only: for calls made per request by a caller
  // that has checked its thread already (CompletionIo's, from TcpConnection).
  void debugAssertInLoopThread() const {
#ifndef NDEBUG
    assertInLoopThread();
#endif
  }

 private:
  EventLoop* const ownerLoop_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_POLLER_H_
