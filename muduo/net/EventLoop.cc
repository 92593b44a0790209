#include "muduo/net/EventLoop.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <chrono>

#include "muduo/base/Logging.h"
#include "muduo/net/Channel.h"
#include "muduo/net/Poller.h"
#include "muduo/net/TimerQueue.h"

namespace muduo::net {
namespace {

thread_local EventLoop* t_loopInThisThread = nullptr;

constexpr int kPollTimeMs = 10000;
constexpr int kMaxDrainRounds = 16;

std::atomic<int64_t> g_defaultBusyPollNs{0};

UniqueFd createEventfd() {
  UniqueFd fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!fd.valid()) LOG_SYSFATAL << "eventfd";
  return fd;
}

// A write to a socket whose peer has gone raises SIGPIPE, which would kill
// the process; a network server wants EPIPE instead. Done once, before main.
struct IgnoreSigPipe {
  IgnoreSigPipe() { ::signal(SIGPIPE, SIG_IGN); }
};
const IgnoreSigPipe ignoreSigPipe;

}  // namespace

EventLoop* EventLoop::getEventLoopOfCurrentThread() { return t_loopInThisThread; }

EventLoop::EventLoop()
    : threadId_(CurrentThread::tid()),
      busyPollNs_(g_defaultBusyPollNs.load(std::memory_order_relaxed)),
      poller_(Poller::newDefaultPoller(this)),
      completionIo_(poller_->completionIo()),
      timerQueue_(std::make_unique<TimerQueue>(this)),
      wakeupFd_(createEventfd()),
      wakeupChannel_(std::make_unique<Channel>(this, wakeupFd_.get())) {
  LOG_DEBUG << "EventLoop created " << this << " in thread " << threadId_;
  if (t_loopInThisThread != nullptr) {
    LOG_FATAL << "Another EventLoop " << t_loopInThisThread << " exists in this thread "
              << threadId_;
  }
  t_loopInThisThread = this;
  wakeupChannel_->setReadCallback([this](Timestamp) { handleWakeup(); });
  wakeupChannel_->doNotLogHup();
  wakeupChannel_->enableReading();
}

EventLoop::~EventLoop() {
  LOG_DEBUG << "EventLoop " << this << " of thread " << threadId_ << " destructs in thread "
            << CurrentThread::tid();
  // Functors that never ran are destroyed while the loop is still whole:
  // their captures (connections, timers) may call back into it.
  std::vector<Functor> unrun;
  {
    // Taking mutex_ also waits out a quit() from another thread that has set
    // the flag but not yet written to the eventfd (quit() does both under
    // mutex_), so the eventfd is closed below only after that write. Keep
    // this lock before the close.
    MutexLock lock(&mutex_);
    unrun.swap(pendingFunctors_);
  }
  unrun.clear();
  wakeupChannel_->disableAll();
  wakeupChannel_->remove();
  wakeupFd_.reset();
  timerQueue_.reset();  // its channel must leave the poller before the poller goes
  t_loopInThisThread = nullptr;
}

void EventLoop::loop() {
  assert(!looping_);
  assertInLoopThread();
  looping_ = true;
  LOG_TRACE << "EventLoop " << this << " start looping";
  while (!quit_.load(std::memory_order_acquire)) {
    activeChannels_.clear();
    poll();
    ++iteration_;
    eventHandling_ = true;
    for (Channel* channel : activeChannels_) {
      currentActiveChannel_ = channel;
      channel->handleEvent(pollReturnTime_);
    }
    currentActiveChannel_ = nullptr;
    eventHandling_ = false;
    doPendingFunctors();
  }
  // Work queued before quit() still runs, and so does the work it queues
  // (closing a connection takes a few hops), up to a bound in case a
  // functor keeps re-queueing itself.
  for (int round = 0; round < kMaxDrainRounds && queueSize() > 0; ++round) doPendingFunctors();
  LOG_TRACE << "EventLoop " << this << " stop looping";
  looping_ = false;
  // Reset so the same loop object can loop() again after quit().
  quit_.store(false, std::memory_order_relaxed);
}

void EventLoop::poll() {
  const std::chrono::nanoseconds budget(busyPollNs_.load(std::memory_order_relaxed));
  if (budget.count() > 0 && spinNext_) {
    const auto deadline = std::chrono::steady_clock::now() + budget;
    do {
      pollReturnTime_ = poller_->poll(0, &activeChannels_);
      spinPolls_.store(spinPolls_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      // quit() from another thread needs no check here: it writes the
      // eventfd, which this poll sees like any event.
    } while (activeChannels_.empty() && std::chrono::steady_clock::now() < deadline);
  }
  if (activeChannels_.empty()) {
    pollReturnTime_ = poller_->poll(kPollTimeMs, &activeChannels_);
    blockingPolls_.store(blockingPolls_.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
  }
  spinNext_ = !activeChannels_.empty();
}

void EventLoop::setBusyPoll(std::chrono::microseconds budget) {
  busyPollNs_.store(std::chrono::nanoseconds(budget).count(), std::memory_order_relaxed);
}

std::chrono::microseconds EventLoop::busyPoll() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::nanoseconds(busyPollNs_.load(std::memory_order_relaxed)));
}

void EventLoop::setDefaultBusyPoll(std::chrono::microseconds budget) {
  g_defaultBusyPollNs.store(std::chrono::nanoseconds(budget).count(), std::memory_order_relaxed);
}

void EventLoop::quit() {
  if (isInLoopThread()) {
    // Seen at the end of this iteration; no wake-up needed.
    quit_.store(true, std::memory_order_release);
    return;
  }
  // From another thread the loop may be blocked in poll. The flag and the
  // wake-up go under mutex_, which ~EventLoop takes (to empty the pending
  // functors) before it closes the eventfd: a loop that sees the flag,
  // returns and is destroyed at once cannot close the fd under this write.
  MutexLock lock(&mutex_);
  quit_.store(true, std::memory_order_release);
  wakeup();
}

void EventLoop::runInLoop(Functor cb) {
  if (isInLoopThread()) {
    cb();
  } else {
    queueInLoop(std::move(cb));
  }
}

void EventLoop::queueInLoop(Functor cb) {
  {
    MutexLock lock(&mutex_);
    pendingFunctors_.push_back(std::move(cb));
  }
  // In the loop thread outside doPendingFunctors(), the functor runs at the
  // end of this iteration without help. Everywhere else the loop may be (or
  // be about to be) blocked in poll, so make sure a wake-up is on its way.
  if (!isInLoopThread() || !eventHandling_) {
    if (!wakeupPending_.exchange(true, std::memory_order_acq_rel)) wakeup();
  }
}

size_t EventLoop::queueSize() const {
  MutexLock lock(&mutex_);
  return pendingFunctors_.size();
}

TimerId EventLoop::runAt(Timestamp time, TimerCallback cb) {
  // Wall-clock target, monotonic deadline: see TimerQueue.
  const auto delay = time - Timestamp::now();
  return timerQueue_->addTimer(std::move(cb), TimerQueue::Clock::now() + delay,
                               std::chrono::microseconds::zero());
}

TimerId EventLoop::runAfter(std::chrono::microseconds delay, TimerCallback cb) {
  return timerQueue_->addTimer(std::move(cb), TimerQueue::Clock::now() + delay,
                               std::chrono::microseconds::zero());
}

TimerId EventLoop::runEvery(std::chrono::microseconds interval, TimerCallback cb) {
  assert(interval.count() > 0);
  return timerQueue_->addTimer(std::move(cb), TimerQueue::Clock::now() + interval, interval);
}

void EventLoop::cancel(TimerId timerId) { timerQueue_->cancel(timerId); }

void EventLoop::updateChannel(Channel* channel) {
  assert(channel->ownerLoop() == this);
  assertInLoopThread();
  poller_->updateChannel(channel);
}

void EventLoop::removeChannel(Channel* channel) {
  assert(channel->ownerLoop() == this);
  assertInLoopThread();
  if (eventHandling_) {
    // A channel may remove itself, or one not yet dispatched in this round;
    // the latter would leave a dangling pointer in activeChannels_.
    assert(currentActiveChannel_ == channel ||
           std::find(activeChannels_.begin(), activeChannels_.end(), channel) ==
               activeChannels_.end());
  }
  poller_->removeChannel(channel);
}

bool EventLoop::hasChannel(Channel* channel) {
  assert(channel->ownerLoop() == this);
  assertInLoopThread();
  return poller_->hasChannel(channel);
}

void EventLoop::abortNotInLoopThread() {
  LOG_FATAL << "EventLoop::abortNotInLoopThread - EventLoop " << this
            << " was created in threadId_ = " << threadId_
            << ", current thread id = " << CurrentThread::tid();
}

void EventLoop::wakeup() {
  const uint64_t one = 1;
  const ssize_t n = ::write(wakeupFd_.get(), &one, sizeof one);
  if (n != sizeof one) LOG_SYSERR << "EventLoop::wakeup() writes " << n << " bytes instead of 8";
}

void EventLoop::handleWakeup() {
  uint64_t value = 0;
  const ssize_t n = ::read(wakeupFd_.get(), &value, sizeof value);
  if (n != sizeof value && errno != EAGAIN) {
    LOG_SYSERR << "EventLoop::handleWakeup() reads " << n << " bytes instead of 8";
  }
}

void EventLoop::doPendingFunctors() {
  // Clear before taking the queue: a functor queued after the swap must
  // trigger a fresh wake-up, one queued before it is in the batch we take.
  wakeupPending_.store(false, std::memory_order_release);
  {
    MutexLock lock(&mutex_);
    runningFunctors_.swap(pendingFunctors_);
  }
  // Functors queued while these run land in pendingFunctors_ and wake the
  // loop again; running them here could starve I/O.
  for (Functor& functor : runningFunctors_) functor();
  runningFunctors_.clear();
}

}  // namespace muduo::net
