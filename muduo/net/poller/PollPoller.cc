#include "muduo/net/poller/PollPoller.h"

#include <errno.h>

#include <cassert>

#include "muduo/base/Logging.h"
#include "muduo/net/Channel.h"

namespace muduo::net {

Timestamp PollPoller::poll(int timeoutMs, ChannelList* activeChannels) {
  const int numEvents = ::poll(pollfds_.data(), pollfds_.size(), timeoutMs);
  const int savedErrno = errno;
  const Timestamp now = Timestamp::now();
  if (numEvents > 0) {
    int left = numEvents;
    for (auto it = pollfds_.begin(); it != pollfds_.end() && left > 0; ++it) {
      if (it->revents > 0) {
        --left;
        Channel* channel = channels_.at(it->fd);
        channel->setRevents(it->revents);
        activeChannels->push_back(channel);
      }
    }
  } else if (numEvents < 0 && savedErrno != EINTR) {
    errno = savedErrno;
    LOG_SYSERR << "PollPoller::poll()";
  }
  return now;
}

void PollPoller::updateChannel(Channel* channel) {
  assertInLoopThread();
  if (channel->index() < 0) {
    assert(!channels_.contains(channel->fd()));
    struct pollfd pfd;
    pfd.fd = channel->isNoneEvent() ? -channel->fd() - 1 : channel->fd();
    pfd.events = static_cast<short>(channel->events());
    pfd.revents = 0;
    pollfds_.push_back(pfd);
    channel->setIndex(static_cast<int>(pollfds_.size()) - 1);
    channels_[channel->fd()] = channel;
  } else {
    assert(channels_.at(channel->fd()) == channel);
    struct pollfd& pfd = pollfds_[static_cast<size_t>(channel->index())];
    pfd.events = static_cast<short>(channel->events());
    pfd.revents = 0;
    // A negative fd makes poll(2) skip the slot while the channel wants nothing.
    pfd.fd = channel->isNoneEvent() ? -channel->fd() - 1 : channel->fd();
  }
}

void PollPoller::removeChannel(Channel* channel) {
  assertInLoopThread();
  assert(channel->isNoneEvent());
  const int idx = channel->index();
  if (idx < 0) return;
  const size_t removed = channels_.erase(channel->fd());
  assert(removed == 1);
  (void)removed;
  const size_t slot = static_cast<size_t>(idx);
  if (slot != pollfds_.size() - 1) {
    // Swap the last slot into the hole: O(1) removal.
    std::swap(pollfds_[slot], pollfds_.back());
    int movedFd = pollfds_[slot].fd;
    if (movedFd < 0) movedFd = -movedFd - 1;
    channels_.at(movedFd)->setIndex(idx);
  }
  pollfds_.pop_back();
  channel->setIndex(-1);
}

bool PollPoller::hasChannel(Channel* channel) const {
  auto it = channels_.find(channel->fd());
  return it != channels_.end() && it->second == channel;
}

}  // namespace muduo::net
