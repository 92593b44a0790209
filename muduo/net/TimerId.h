// TimerId: an opaque handle to a timer, for EventLoop::cancel().
//
// A plain value, safe to copy between threads. Sequence numbers are unique in
// the process, so a stale id can never cancel somebody else's timer.
#ifndef MUDUO_NET_TIMERID_H_
#define MUDUO_NET_TIMERID_H_

#include <cstdint>

namespace muduo::net {

class TimerId {
 public:
  constexpr TimerId() = default;  // refers to no timer
  constexpr explicit TimerId(int64_t sequence) : sequence_(sequence) {}

  [[nodiscard]] constexpr bool valid() const { return sequence_ > 0; }
  [[nodiscard]] constexpr int64_t sequence() const { return sequence_; }
  friend constexpr bool operator==(TimerId, TimerId) = default;

 private:
  int64_t sequence_ = 0;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_TIMERID_H_
