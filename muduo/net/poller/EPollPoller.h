// EPollPoller: level-triggered epoll(7).
//
// Internal to muduo/net; used only in its EventLoop's thread. The Channel*
// travels in epoll_event.data, so no fd-to-channel map is kept; the channel's
// index() records whether it is registered.
#ifndef MUDUO_NET_POLLER_EPOLLPOLLER_H_
#define MUDUO_NET_POLLER_EPOLLPOLLER_H_

#include <sys/epoll.h>

#include <vector>

#include "muduo/net/Poller.h"

namespace muduo::net {

class EPollPoller final : public Poller {
 public:
  explicit EPollPoller(EventLoop* loop);
  ~EPollPoller() override;

  Timestamp poll(int timeoutMs, ChannelList* activeChannels) override;
  void updateChannel(Channel* channel) override;
  void removeChannel(Channel* channel) override;
  [[nodiscard]] bool hasChannel(Channel* channel) const override;

 private:
  void update(int operation, Channel* channel);

  const int epollfd_;
  std::vector<struct epoll_event> events_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_POLLER_EPOLLPOLLER_H_
