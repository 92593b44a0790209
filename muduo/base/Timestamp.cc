#include "muduo/base/Timestamp.h"

#include <sys/time.h>
#include <time.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace muduo {
namespace {

// Per-thread cache of the "YYYYmmdd HH:MM:SS" text for the last second
// formatted. Log lines from one thread mostly share a second.
struct SecondCache {
  time_t seconds = -1;
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

}  // namespace

Timestamp Timestamp::now() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  return fromUnixTime(tv.tv_sec, static_cast<int>(tv.tv_usec));
}

std::string Timestamp::toString() const {
  char buf[32];
  const int64_t seconds = microSecondsSinceEpoch_ / kMicroSecondsPerSecond;
  const int64_t micros = microSecondsSinceEpoch_ % kMicroSecondsPerSecond;
  snprintf(buf, sizeof buf, "%" PRId64 ".%06" PRId64, seconds, micros);
  return buf;
}

int Timestamp::formatTo(char* buf) const {
  const char* second = formattedSecond(secondsSinceEpoch());
  memcpy(buf, second, 17);
  // Hand-written digits: this runs once per log line, and snprintf costs more
  // than the rest of the formatting put together.
  int micros = static_cast<int>(microSecondsSinceEpoch_ % kMicroSecondsPerSecond);
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
  return formattedSecond(secondsSinceEpoch());
}

}  // namespace muduo
