#include "muduo/base/Timestamp.h"

#include <sys/time.h>
#include <time.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <limits>

namespace muduo {
namespace {

// Per-thread cache of the "YYYYmmdd HH:MM:SS" text for the last second
// formatted. Log lines from one thread mostly share a second.
struct SecondCache {
  // Not -1, which is a real second (19691231 23:59:59); no int64
  // microsecond count divides down to this one.
  time_t seconds = std::numeric_limits<time_t>::min();
  char text[18] = {};  // 17 characters + NUL
};
thread_local SecondCache t_secondCache;

const char* formattedSecond(time_t seconds) {
  SecondCache& cache = t_secondCache;
  if (seconds != cache.seconds) {
    struct tm tm;
    gmtime_r(&seconds, &tm);
    strftime(cache.text, sizeof cache.text, "%Y%m%d %H:%M:%S", &tm);
    cache.seconds = seconds;
  }
  return cache.text;
}

// Whole seconds rounded down, plus the microseconds past them (0..999999), so
// a time before the epoch formats as the earlier second plus a positive
// fraction rather than with negative digits.
struct SplitTime {
  time_t seconds;
  int micros;
};
SplitTime splitFloor(int64_t microSecondsSinceEpoch) {
  int64_t seconds = microSecondsSinceEpoch / Timestamp::kMicroSecondsPerSecond;
  int64_t micros = microSecondsSinceEpoch % Timestamp::kMicroSecondsPerSecond;
  if (micros < 0) {
    micros += Timestamp::kMicroSecondsPerSecond;
    --seconds;
  }
  return {static_cast<time_t>(seconds), static_cast<int>(micros)};
}

}  // namespace

Timestamp Timestamp::now() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  return fromUnixTime(tv.tv_sec, static_cast<int>(tv.tv_usec));
}

std::string Timestamp::toString() const {
  char buf[32];
  // Sign and magnitude, so -1.5 s reads "-1.500000"; unsigned so that the
  // most negative value has a magnitude too.
  const bool negative = microSecondsSinceEpoch_ < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(microSecondsSinceEpoch_)
                                      : static_cast<uint64_t>(microSecondsSinceEpoch_);
  snprintf(buf, sizeof buf, "%s%" PRIu64 ".%06" PRIu64, negative ? "-" : "",
           magnitude / kMicroSecondsPerSecond, magnitude % kMicroSecondsPerSecond);
  return buf;
}

int Timestamp::formatTo(char* buf) const {
  const SplitTime split = splitFloor(microSecondsSinceEpoch_);
  memcpy(buf, formattedSecond(split.seconds), 17);
  // Hand-written digits: this runs once per log line, and snprintf costs more
  // than the rest of the formatting put together.
  int micros = split.micros;
  buf[17] = '.';
  for (int i = kFormattedLength - 1; i > 17; --i) {
    buf[i] = static_cast<char>('0' + micros % 10);
    micros /= 10;
  }
  buf[kFormattedLength] = '\0';
  return kFormattedLength;
}

std::string Timestamp::toFormattedString(bool showMicroseconds) const {
  if (showMicroseconds) {
    char buf[kFormattedLength + 1];
    return std::string(buf, static_cast<size_t>(formatTo(buf)));
  }
  return formattedSecond(splitFloor(microSecondsSinceEpoch_).seconds);
}

}  // namespace muduo
