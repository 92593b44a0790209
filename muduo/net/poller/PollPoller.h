// PollPoller: poll(2), kept as a reference implementation to test against.
//
// Internal to muduo/net; used only in its EventLoop's thread. A channel's
// index() is its slot in pollfds_; removal swaps the last slot into the hole.
#ifndef MUDUO_NET_POLLER_POLLPOLLER_H_
#define MUDUO_NET_POLLER_POLLPOLLER_H_

#include <poll.h>

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "muduo/net/Poller.h"

namespace muduo::net {

class PollPoller final : public Poller {
 public:
  explicit PollPoller(EventLoop* loop) : Poller(loop) {}

  Timestamp poll(int timeoutMs, ChannelList* activeChannels) override;
  void updateChannel(Channel* channel) override;
  void removeChannel(Channel* channel) override;
  [[nodiscard]] bool hasChannel(Channel* channel) const override;

 private:
  std::vector<struct pollfd> pollfds_;
  absl::flat_hash_map<int, Channel*> channels_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_POLLER_POLLPOLLER_H_
