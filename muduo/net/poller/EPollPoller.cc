#include "muduo/net/poller/EPollPoller.h"

#include <errno.h>
#include <unistd.h>

#include <cassert>
#include <cstring>

#include "muduo/base/Logging.h"
#include "muduo/net/Channel.h"

namespace muduo::net {
namespace {

// Channel::index() values.
constexpr int kNotRegistered = -1;
constexpr int kRegistered = 1;
constexpr int kInitEventListSize = 16;

const char* operationToString(int op) {
  switch (op) {
    case EPOLL_CTL_ADD:
      return "ADD";
    case EPOLL_CTL_DEL:
      return "DEL";
    case EPOLL_CTL_MOD:
      return "MOD";
    default:
      return "Unknown Operation";
  }
}

}  // namespace

EPollPoller::EPollPoller(EventLoop* loop)
    : Poller(loop), epollfd_(::epoll_create1(EPOLL_CLOEXEC)), events_(kInitEventListSize) {
  if (epollfd_ < 0) LOG_SYSFATAL << "EPollPoller::EPollPoller";
}

EPollPoller::~EPollPoller() { ::close(epollfd_); }

Timestamp EPollPoller::poll(int timeoutMs, ChannelList* activeChannels) {
  const int numEvents =
      ::epoll_wait(epollfd_, events_.data(), static_cast<int>(events_.size()), timeoutMs);
  const int savedErrno = errno;
  const Timestamp now = Timestamp::now();
  if (numEvents > 0) {
    for (int i = 0; i < numEvents; ++i) {
      auto* channel = static_cast<Channel*>(events_[i].data.ptr);
      channel->setRevents(static_cast<int>(events_[i].events));
      activeChannels->push_back(channel);
    }
    // A full array means more may be ready; grow so the next call takes all.
    if (static_cast<size_t>(numEvents) == events_.size()) events_.resize(events_.size() * 2);
  } else if (numEvents < 0 && savedErrno != EINTR) {
    errno = savedErrno;
    LOG_SYSERR << "EPollPoller::poll()";
  }
  return now;
}

void EPollPoller::updateChannel(Channel* channel) {
  assertInLoopThread();
  if (channel->index() == kNotRegistered) {
    if (channel->isNoneEvent()) return;
    channel->setIndex(kRegistered);
    update(EPOLL_CTL_ADD, channel);
  } else if (channel->isNoneEvent()) {
    update(EPOLL_CTL_DEL, channel);
    channel->setIndex(kNotRegistered);
  } else {
    update(EPOLL_CTL_MOD, channel);
  }
}

void EPollPoller::removeChannel(Channel* channel) {
  assertInLoopThread();
  assert(channel->isNoneEvent());
  if (channel->index() == kRegistered) update(EPOLL_CTL_DEL, channel);
  channel->setIndex(kNotRegistered);
}

bool EPollPoller::hasChannel(Channel* channel) const { return channel->index() == kRegistered; }

void EPollPoller::update(int operation, Channel* channel) {
  struct epoll_event event;
  memset(&event, 0, sizeof event);
  event.events = static_cast<uint32_t>(channel->events());
  event.data.ptr = channel;
  if (::epoll_ctl(epollfd_, operation, channel->fd(), &event) < 0) {
    // DEL of an fd the kernel already dropped is harmless; the rest are bugs.
    if (operation == EPOLL_CTL_DEL) {
      LOG_SYSERR << "epoll_ctl op=" << operationToString(operation) << " fd=" << channel->fd();
    } else {
      LOG_SYSFATAL << "epoll_ctl op=" << operationToString(operation) << " fd=" << channel->fd();
    }
  }
}

}  // namespace muduo::net
