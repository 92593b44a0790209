// Timestamp: a point in UTC time, stored as microseconds since the Unix epoch.
//
// A plain value type: cheap to copy, comparable, safe to use from any thread.
// Interoperates with std::chrono so callers can add durations and take
// differences without double-precision seconds.
#ifndef MUDUO_BASE_TIMESTAMP_H_
#define MUDUO_BASE_TIMESTAMP_H_

#include <chrono>
#include <compare>
#include <cstdint>
#include <string>

namespace muduo {

class Timestamp {
 public:
  using Clock = std::chrono::system_clock;
  static constexpr int64_t kMicroSecondsPerSecond = 1000 * 1000;

  constexpr Timestamp() = default;  // invalid (0)
  constexpr explicit Timestamp(int64_t microSecondsSinceEpoch)
      : microSecondsSinceEpoch_(microSecondsSinceEpoch) {}

  [[nodiscard]] static Timestamp now();
  [[nodiscard]] static constexpr Timestamp invalid() { return Timestamp(); }
  [[nodiscard]] static constexpr Timestamp fromUnixTime(time_t seconds, int microseconds = 0) {
    return Timestamp(static_cast<int64_t>(seconds) * kMicroSecondsPerSecond + microseconds);
  }
  [[nodiscard]] static Timestamp fromTimePoint(Clock::time_point tp) {
    return Timestamp(
        std::chrono::duration_cast<std::chrono::microseconds>(tp.time_since_epoch()).count());
  }

  [[nodiscard]] constexpr bool valid() const { return microSecondsSinceEpoch_ > 0; }
  [[nodiscard]] constexpr int64_t microSecondsSinceEpoch() const { return microSecondsSinceEpoch_; }
  [[nodiscard]] constexpr time_t secondsSinceEpoch() const {
    return static_cast<time_t>(microSecondsSinceEpoch_ / kMicroSecondsPerSecond);
  }
  [[nodiscard]] Clock::time_point toTimePoint() const {
    return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
        std::chrono::microseconds(microSecondsSinceEpoch_)));
  }

  // "1700000000.123456"
  [[nodiscard]] std::string toString() const;
  // "20231114 22:13:20.123456" in UTC. The date-and-time part is cached per
  // thread and reused while the second does not change, so formatting many
  // timestamps within one second costs one snprintf of the microseconds.
  [[nodiscard]] std::string toFormattedString(bool showMicroseconds = true) const;
  // Writes the same text as toFormattedString(true) into buf, which must hold
  // at least kFormattedLength + 1 bytes; returns kFormattedLength.
  static constexpr int kFormattedLength = 24;
  int formatTo(char* buf) const;

  template <typename Rep, typename Period>
  constexpr Timestamp& operator+=(std::chrono::duration<Rep, Period> d) {
    microSecondsSinceEpoch_ += std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    return *this;
  }
  template <typename Rep, typename Period>
  friend constexpr Timestamp operator+(Timestamp t, std::chrono::duration<Rep, Period> d) {
    t += d;
    return t;
  }
  friend constexpr std::chrono::microseconds operator-(Timestamp high, Timestamp low) {
    return std::chrono::microseconds(high.microSecondsSinceEpoch_ - low.microSecondsSinceEpoch_);
  }
  friend constexpr auto operator<=>(Timestamp, Timestamp) = default;

 private:
  int64_t microSecondsSinceEpoch_ = 0;
};

}  // namespace muduo

#endif  // MUDUO_BASE_TIMESTAMP_H_
