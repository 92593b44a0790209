// EventLoop: the reactor. One per thread; it owns a Poller, a TimerQueue and
// an eventfd used to wake it, and dispatches I/O events to Channels.
//
// Thread contract: the thread that constructs an EventLoop is its loop thread
// and must be the one that calls loop(). quit(), runInLoop(), queueInLoop(),
// runAt/runAfter/runEvery, cancel() and wakeup() may be called from any
// thread; everything else asserts that it runs in the loop thread.
#ifndef MUDUO_NET_EVENTLOOP_H_
#define MUDUO_NET_EVENTLOOP_H_

#include <any>
#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "muduo/base/CurrentThread.h"
#include "muduo/base/Mutex.h"
#include "muduo/base/Timestamp.h"
#include "muduo/base/UniqueFd.h"
#include "muduo/net/Callbacks.h"
#include "muduo/net/TimerId.h"

namespace muduo::net {

class Channel;
class Poller;
class TimerQueue;

class EventLoop {
 public:
  using Functor = absl::AnyInvocable<void()>;

  EventLoop();  // a second EventLoop in the same thread is fatal
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs until quit(). Loop thread only.
  void loop();
  // Makes loop() return after the current iteration. Any thread.
  void quit();

  // When the last poll returned, i.e. when the current events arrived.
  [[nodiscard]] Timestamp pollReturnTime() const { return pollReturnTime_; }
  [[nodiscard]] int64_t iteration() const { return iteration_; }

  // Runs cb now if called in the loop thread, else queues it. Any thread.
  void runInLoop(Functor cb);
  // Queues cb to run after the current iteration's events. Any thread.
  void queueInLoop(Functor cb);
  [[nodiscard]] size_t queueSize() const;

  // Timers. Any thread. The callback runs in the loop thread.
  TimerId runAt(Timestamp time, TimerCallback cb);
  TimerId runAfter(std::chrono::microseconds delay, TimerCallback cb);
  TimerId runEvery(std::chrono::microseconds interval, TimerCallback cb);
  void cancel(TimerId timerId);

  // Internal to muduo/net (Channel and friends).
  void wakeup();
  void updateChannel(Channel* channel);
  void removeChannel(Channel* channel);
  [[nodiscard]] bool hasChannel(Channel* channel);

  void assertInLoopThread() {
    if (!isInLoopThread()) abortNotInLoopThread();
  }
  [[nodiscard]] bool isInLoopThread() const { return threadId_ == CurrentThread::tid(); }
  [[nodiscard]] bool eventHandling() const { return eventHandling_; }

  // Free storage for the owner of the loop. Loop thread only.
  void setContext(std::any context) { context_ = std::move(context); }
  [[nodiscard]] const std::any& getContext() const { return context_; }
  [[nodiscard]] std::any* getMutableContext() { return &context_; }

  [[nodiscard]] static EventLoop* getEventLoopOfCurrentThread();

 private:
  void abortNotInLoopThread();
  void handleWakeup();
  void doPendingFunctors();

  const int threadId_;
  std::atomic<bool> quit_{false};
  bool looping_ = false;        // loop thread only
  bool eventHandling_ = false;  // loop thread only
  int64_t iteration_ = 0;       // loop thread only
  Timestamp pollReturnTime_;    // loop thread only
  std::unique_ptr<Poller> poller_;
  std::unique_ptr<TimerQueue> timerQueue_;
  UniqueFd wakeupFd_;
  std::unique_ptr<Channel> wakeupChannel_;
  std::any context_;

  std::vector<Channel*> activeChannels_;  // loop thread only
  Channel* currentActiveChannel_ = nullptr;

  // Set by the first queueInLoop() after the loop last drained its functors,
  // so a burst of cross-thread calls costs one eventfd write, not one each.
  std::atomic<bool> wakeupPending_{false};
  mutable Mutex mutex_;
  std::vector<Functor> pendingFunctors_ ABSL_GUARDED_BY(mutex_);
  std::vector<Functor> runningFunctors_;  // loop thread only; keeps its capacity
};

}  // namespace muduo::net

#endif  // MUDUO_NET_EVENTLOOP_H_
