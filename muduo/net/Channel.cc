#include "muduo/net/Channel.h"

#include <poll.h>

#include <cassert>

#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"

namespace muduo::net {

// poll(2) and epoll(7) share these bit values, so one set serves both pollers.
const int Channel::kNoneEvent = 0;
const int Channel::kReadEvent = POLLIN | POLLPRI;
const int Channel::kWriteEvent = POLLOUT;
const int Channel::kPeerHalfCloseEvent = POLLRDHUP;

Channel::Channel(EventLoop* loop, int fd) : loop_(loop), fd_(fd) {}

Channel::~Channel() {
  assert(!eventHandling_);
  assert(!addedToLoop_);
  // No look at loop_ here: a removed channel may outlive its loop (a
  // connection's last owner can be a functor released after the loop died).
}

void Channel::tie(const std::shared_ptr<void>& owner) {
  tie_ = owner;
  tied_ = true;
}

void Channel::update() {
  addedToLoop_ = true;
  loop_->updateChannel(this);
}

void Channel::remove() {
  assert(isNoneEvent());
  addedToLoop_ = false;
  loop_->removeChannel(this);
}

void Channel::handleEvent(Timestamp receiveTime) {
  if (tied_) {
    std::shared_ptr<void> guard = tie_.lock();
    if (guard) handleEventWithGuard(receiveTime);
  } else {
    handleEventWithGuard(receiveTime);
  }
}

void Channel::handleEventWithGuard(Timestamp receiveTime) {
  eventHandling_ = true;
  if ((revents_ & POLLHUP) && !(revents_ & POLLIN)) {
    if (logHup_) LOG_WARN << "fd = " << fd_ << " Channel::handleEvent() POLLHUP";
    if (closeCallback_) closeCallback_();
  }
  if (revents_ & POLLNVAL) LOG_WARN << "fd = " << fd_ << " Channel::handleEvent() POLLNVAL";
  if (revents_ & (POLLERR | POLLNVAL)) {
    if (errorCallback_) errorCallback_();
  }
  if (revents_ & (POLLIN | POLLPRI | POLLRDHUP)) {
    if (isReading()) {
      if (readCallback_) readCallback_(receiveTime);
    } else if ((revents_ & POLLRDHUP) && peerHalfCloseCallback_) {
      peerHalfCloseCallback_();
    }
  }
  if (revents_ & POLLOUT) {
    if (writeCallback_) writeCallback_();
  }
  eventHandling_ = false;
}

std::string Channel::eventsToString(int fd, int ev) {
  std::string out = std::to_string(fd) + ": ";
  if (ev & POLLIN) out += "IN ";
  if (ev & POLLPRI) out += "PRI ";
  if (ev & POLLOUT) out += "OUT ";
  if (ev & POLLHUP) out += "HUP ";
  if (ev & POLLRDHUP) out += "RDHUP ";
  if (ev & POLLERR) out += "ERR ";
  if (ev & POLLNVAL) out += "NVAL ";
  return out;
}

}  // namespace muduo::net
