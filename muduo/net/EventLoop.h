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
class CompletionIo;
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

  // Busy-poll, opt-in, for latency-bound servers: waking a halted CPU costs
  // tens of microseconds (25-35 us on a small VM), more than a whole request.
  // With a budget N > 0, after an iteration that handled events the loop
  // polls without blocking for up to N before it blocks as usual; when the
  // N pass with nothing to do it blocks, and it spins again only after the
  // next iteration that handles events. So an idle loop sleeps: spinning
  // costs at most N of CPU per busy iteration, and none while idle.
  // Timers, wake-ups and quit() work the same (they are fds the spin sees).
  // Zero (the default) turns it off. Any thread; from the next iteration.
  void setBusyPoll(std::chrono::microseconds budget);
  [[nodiscard]] std::chrono::microseconds busyPoll() const;
  // The budget loops constructed from now on start with (ServerRunner sets
  // it from --busy_poll_us, so the I/O threads' loops get it). Any thread.
  static void setDefaultBusyPoll(std::chrono::microseconds budget);
  // Polls made, for tests and monitoring: non-blocking (the spin) and
  // blocking. Any thread.
  [[nodiscard]] int64_t spinPolls() const { return spinPolls_.load(std::memory_order_relaxed); }
  [[nodiscard]] int64_t blockingPolls() const {
    return blockingPolls_.load(std::memory_order_relaxed);
  }

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
  // The poller's completion-based I/O, or null (see CompletionIo). Fixed at
  // construction, so any thread may read it.
  [[nodiscard]] CompletionIo* completionIo() const { return completionIo_; }

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
  // Fills activeChannels_: spinning first when busy-poll says so, then blocking.
  void poll();
  void handleWakeup();
  void doPendingFunctors();

  const int threadId_;
  std::atomic<bool> quit_{false};
  bool looping_ = false;        // loop thread only
  bool eventHandling_ = false;  // loop thread only
  int64_t iteration_ = 0;       // loop thread only
  Timestamp pollReturnTime_;    // loop thread only
  std::atomic<int64_t> busyPollNs_;
  bool spinNext_ = false;  // loop thread only: the last iteration handled events
  // Written by the loop thread only (a plain load and store, no locked
  // increment); atomic so that other threads may read them.
  std::atomic<int64_t> spinPolls_{0};
  std::atomic<int64_t> blockingPolls_{0};
  std::unique_ptr<Poller> poller_;
  CompletionIo* const completionIo_;
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
