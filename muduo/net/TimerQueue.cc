#include "muduo/net/TimerQueue.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cstring>

#include "muduo/base/Logging.h"
#include "muduo/net/Channel.h"
#include "muduo/net/EventLoop.h"

namespace muduo::net {

std::atomic<int64_t> TimerQueue::nextSequence_{0};

namespace {

UniqueFd createTimerfd() {
  UniqueFd fd(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!fd.valid()) LOG_SYSFATAL << "timerfd_create";
  return fd;
}

}  // namespace

TimerQueue::TimerQueue(EventLoop* loop)
    : loop_(loop),
      timerfd_(createTimerfd()),
      timerfdChannel_(std::make_unique<Channel>(loop, timerfd_.get())) {
  timerfdChannel_->setReadCallback([this](Timestamp) { handleRead(); });
  timerfdChannel_->doNotLogHup();
  timerfdChannel_->enableReading();
}

TimerQueue::~TimerQueue() {
  timerfdChannel_->disableAll();
  timerfdChannel_->remove();
}

TimerId TimerQueue::addTimer(TimerCallback cb, Clock::time_point when,
                             std::chrono::microseconds interval) {
  const int64_t sequence = nextSequence_.fetch_add(1, std::memory_order_relaxed) + 1;
  Timer timer{std::move(cb), when, interval};
  if (loop_->isInLoopThread()) {
    addTimerInLoop(sequence, std::move(timer));
  } else {
    loop_->queueInLoop([this, sequence, timer = std::move(timer)]() mutable {
      addTimerInLoop(sequence, std::move(timer));
    });
  }
  return TimerId(sequence);
}

void TimerQueue::cancel(TimerId timerId) {
  if (!timerId.valid()) return;
  if (loop_->isInLoopThread()) {
    cancelInLoop(timerId.sequence());
  } else {
    loop_->queueInLoop([this, sequence = timerId.sequence()] { cancelInLoop(sequence); });
  }
}

size_t TimerQueue::size() const {
  loop_->assertInLoopThread();
  return timers_.size();
}

void TimerQueue::addTimerInLoop(int64_t sequence, Timer timer) {
  loop_->assertInLoopThread();
  const Clock::time_point when = timer.when;
  timers_.emplace(sequence, std::move(timer));
  pushHeap(when, sequence);
  if (when < armedAt_) rearm();
}

void TimerQueue::cancelInLoop(int64_t sequence) {
  loop_->assertInLoopThread();
  if (timers_.erase(sequence) == 0 && sequence == runningSequence_) {
    // A repeating timer cancelling itself: it is out of the map while its
    // callback runs; remember not to put it back.
    runningCancelled_ = true;
  }
  // The heap entry stays until it surfaces. Rebuild when most entries are
  // dead, so a cancel-heavy workload cannot grow the heap without bound.
  if (heap_.size() > 64 && heap_.size() > 2 * timers_.size()) {
    std::erase_if(heap_, [this](const HeapEntry& e) { return !timers_.contains(e.sequence); });
    std::make_heap(heap_.begin(), heap_.end());
  }
}

void TimerQueue::pushHeap(Clock::time_point when, int64_t sequence) {
  heap_.push_back(HeapEntry{when, sequence});
  std::push_heap(heap_.begin(), heap_.end());
}

void TimerQueue::popDeadEntries() {
  while (!heap_.empty() && !timers_.contains(heap_.front().sequence)) {
    std::pop_heap(heap_.begin(), heap_.end());
    heap_.pop_back();
  }
}

void TimerQueue::handleRead() {
  loop_->assertInLoopThread();
  uint64_t howmany;
  if (::read(timerfd_.get(), &howmany, sizeof howmany) < 0 && errno != EAGAIN) {
    LOG_SYSERR << "TimerQueue::handleRead";
  }
  armedAt_ = Clock::time_point::max();

  // Take every expired entry first, so timers added by callbacks (even with
  // a zero delay) wait for the next round instead of starving the loop.
  const Clock::time_point now = Clock::now();
  expired_.clear();
  while (!heap_.empty() && heap_.front().when <= now) {
    std::pop_heap(heap_.begin(), heap_.end());
    expired_.push_back(heap_.back());
    heap_.pop_back();
  }

  for (const HeapEntry& entry : expired_) {
    auto it = timers_.find(entry.sequence);
    if (it == timers_.end()) continue;  // cancelled
    // Out of the map while it runs, so the callback may cancel it (or add
    // timers) without invalidating what we hold.
    Timer timer = std::move(it->second);
    timers_.erase(it);
    runningSequence_ = entry.sequence;
    runningCancelled_ = false;
    timer.callback();
    runningSequence_ = 0;
    if (timer.interval.count() > 0 && !runningCancelled_) {
      // From `now`, not from the old deadline: a loop that fell behind skips
      // missed ticks instead of firing a burst of them.
      timer.when = now + timer.interval;
      const Clock::time_point when = timer.when;
      timers_.emplace(entry.sequence, std::move(timer));
      pushHeap(when, entry.sequence);
    }
  }
  rearm();
}

void TimerQueue::rearm() {
  popDeadEntries();
  if (heap_.empty()) return;  // leave the timerfd disarmed; a spurious wake is harmless
  const Clock::time_point when = heap_.front().when;
  armedAt_ = when;
  struct itimerspec spec;
  memset(&spec, 0, sizeof spec);
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch());
  // An absolute time of zero would disarm; anything already due fires at once.
  const int64_t count = std::max<int64_t>(ns.count(), 1);
  spec.it_value.tv_sec = static_cast<time_t>(count / 1000000000);
  spec.it_value.tv_nsec = static_cast<long>(count % 1000000000);
  if (::timerfd_settime(timerfd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) < 0) {
    LOG_SYSERR << "timerfd_settime";
  }
}

}  // namespace muduo::net
