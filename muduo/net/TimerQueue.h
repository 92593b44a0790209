// TimerQueue: all timers of one EventLoop, on a single timerfd.
//
// Internal to muduo/net. Owned by an EventLoop; addTimer() and cancel() may be
// called from any thread (they hop to the loop thread), everything else runs
// in the loop thread.
//
// Deadlines live on the monotonic clock, so a wall-clock step (NTP, a manual
// date change) neither fires timers early nor stalls them. Timers sit in a
// binary heap keyed by (deadline, sequence) with lazy deletion: cancel() drops
// the timer from a hash map in O(1) and the heap entry is skipped when it
// surfaces; the heap is rebuilt when dead entries outnumber live ones.
#ifndef MUDUO_NET_TIMERQUEUE_H_
#define MUDUO_NET_TIMERQUEUE_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "muduo/base/Timestamp.h"
#include "muduo/base/UniqueFd.h"
#include "muduo/net/Callbacks.h"
#include "muduo/net/TimerId.h"

namespace muduo::net {

class Channel;
class EventLoop;

class TimerQueue {
 public:
  using Clock = std::chrono::steady_clock;

  explicit TimerQueue(EventLoop* loop);
  ~TimerQueue();
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  // Schedules `cb` at `when`, then every `interval` if that is positive.
  // Thread-safe.
  TimerId addTimer(TimerCallback cb, Clock::time_point when, std::chrono::microseconds interval);
  // Thread-safe. Cancelling a timer that already fired (or a repeating one
  // from inside its own callback) is allowed and stops it for good.
  void cancel(TimerId timerId);

  [[nodiscard]] size_t size() const;  // live timers; loop thread only

 private:
  struct Timer {
    TimerCallback callback;
    Clock::time_point when;
    std::chrono::microseconds interval;
  };
  struct HeapEntry {
    Clock::time_point when;
    int64_t sequence;
    // std::push_heap builds a max-heap; invert for earliest-first.
    friend bool operator<(const HeapEntry& a, const HeapEntry& b) {
      return a.when != b.when ? a.when > b.when : a.sequence > b.sequence;
    }
  };

  void addTimerInLoop(int64_t sequence, Timer timer);
  void cancelInLoop(int64_t sequence);
  void handleRead();
  void pushHeap(Clock::time_point when, int64_t sequence);
  void popDeadEntries();
  void rearm();

  EventLoop* const loop_;
  const UniqueFd timerfd_;
  std::unique_ptr<Channel> timerfdChannel_;

  // Loop thread only.
  std::vector<HeapEntry> heap_;
  absl::flat_hash_map<int64_t, Timer> timers_;
  Clock::time_point armedAt_ = Clock::time_point::max();
  int64_t runningSequence_ = 0;  // the timer whose callback is running now
  bool runningCancelled_ = false;
  std::vector<HeapEntry> expired_;  // reused across handleRead() calls

  static std::atomic<int64_t> nextSequence_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_TIMERQUEUE_H_
