// Channel: binds one file descriptor to its interest set and its event
// callbacks. It does not own the fd; whoever owns the fd owns the Channel.
//
// Internal to muduo/net. A Channel belongs to one EventLoop and is used only
// in that loop's thread.
#ifndef MUDUO_NET_CHANNEL_H_
#define MUDUO_NET_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "muduo/base/Timestamp.h"

namespace muduo::net {

class Buffer;
class EventLoop;

class Channel {
 public:
  using EventCallback = absl::AnyInvocable<void()>;
  using ReadEventCallback = absl::AnyInvocable<void(Timestamp)>;

  Channel(EventLoop* loop, int fd);
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Dispatches the events the poller reported. When tied, holds the owner
  // alive for the duration, so a callback may drop the last outside reference.
  void handleEvent(Timestamp receiveTime);

  void setReadCallback(ReadEventCallback cb) { readCallback_ = std::move(cb); }
  void setWriteCallback(EventCallback cb) { writeCallback_ = std::move(cb); }
  void setCloseCallback(EventCallback cb) { closeCallback_ = std::move(cb); }
  void setErrorCallback(EventCallback cb) { errorCallback_ = std::move(cb); }
  // Runs when the peer half-closes (POLLRDHUP) while reading is disabled but
  // the half-close is watched; while reading, the read callback sees it.
  void setPeerHalfCloseCallback(EventCallback cb) { peerHalfCloseCallback_ = std::move(cb); }

  // Ties this channel to its owner (a TcpConnection held by shared_ptr), so
  // the owner is not destroyed while handleEvent() runs.
  void tie(const std::shared_ptr<void>& owner);

  // Completion-based receiving (see CompletionIo): where a poller that
  // offers it appends what arrives while read interest is on. Pollers
  // without it ignore the sink and report readability as usual. Set before
  // the channel's first update; the sink must outlive the registration.
  void setReceiveSink(Buffer* sink) { receiveSink_ = sink; }
  [[nodiscard]] Buffer* receiveSink() const { return receiveSink_; }

  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] int events() const { return events_; }
  void setRevents(int revents) { revents_ = revents; }
  [[nodiscard]] bool isNoneEvent() const { return events_ == kNoneEvent; }

  void enableReading() {
    events_ |= kReadEvent;
    update();
  }
  void disableReading() {
    events_ &= ~kReadEvent;
    update();
  }
  void enableWriting() {
    events_ |= kWriteEvent;
    update();
  }
  void disableWriting() {
    events_ &= ~kWriteEvent;
    update();
  }
  // Keeps the channel registered while reading is off, so the peer leaving
  // is still reported.
  void enableWatchingPeerHalfClose() {
    events_ |= kPeerHalfCloseEvent;
    update();
  }
  void disableWatchingPeerHalfClose() {
    if ((events_ & kPeerHalfCloseEvent) == 0) return;
    events_ &= ~kPeerHalfCloseEvent;
    update();
  }
  void disableAll() {
    events_ = kNoneEvent;
    update();
  }
  [[nodiscard]] bool isWriting() const { return events_ & kWriteEvent; }
  [[nodiscard]] bool isReading() const { return events_ & kReadEvent; }

  // Poller bookkeeping (the poll poller keeps an array slot here, the epoll
  // poller a registration state).
  [[nodiscard]] int index() const { return index_; }
  void setIndex(int index) { index_ = index; }

  [[nodiscard]] std::string reventsToString() const { return eventsToString(fd_, revents_); }
  [[nodiscard]] std::string eventsToString() const { return eventsToString(fd_, events_); }

  // A listening or eventfd channel expects no POLLHUP; a connection reports it.
  void doNotLogHup() { logHup_ = false; }

  [[nodiscard]] EventLoop* ownerLoop() const { return loop_; }
  // Unregisters from the poller; call after disableAll().
  void remove();

 private:
  static std::string eventsToString(int fd, int ev);
  void update();
  void handleEventWithGuard(Timestamp receiveTime);

  static const int kNoneEvent;
  static const int kReadEvent;
  static const int kWriteEvent;
  static const int kPeerHalfCloseEvent;

  EventLoop* const loop_;
  const int fd_;
  int events_ = 0;
  int revents_ = 0;
  int index_ = -1;
  bool logHup_ = true;
  bool tied_ = false;
  bool eventHandling_ = false;
  bool addedToLoop_ = false;
  Buffer* receiveSink_ = nullptr;
  std::weak_ptr<void> tie_;
  ReadEventCallback readCallback_;
  EventCallback writeCallback_;
  EventCallback closeCallback_;
  EventCallback errorCallback_;
  EventCallback peerHalfCloseCallback_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_CHANNEL_H_
