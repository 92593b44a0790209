#include "muduo/base/LogFile.h"

#include <time.h>
#include <unistd.h>

#include <cstdio>

#include "muduo/base/FileUtil.h"

namespace muduo {
namespace {

std::string hostname() {
  char buf[256];
  if (::gethostname(buf, sizeof buf) == 0) {
    buf[sizeof buf - 1] = '\0';
    return buf;
  }
  return "unknownhost";
}

// The first local midnight strictly after `t`; mktime normalises day 32 etc.
// and, with tm_isdst = -1, works out daylight saving itself.
time_t nextLocalMidnight(time_t t) {
  struct tm tm;
  localtime_r(&t, &tm);
  tm.tm_mday += 1;
  tm.tm_hour = 0;
  tm.tm_min = 0;
  tm.tm_sec = 0;
  tm.tm_isdst = -1;
  return mktime(&tm);
}

}  // namespace

std::string LogFile::fileNameFor(const std::string& basename, Timestamp when) {
  static const std::string kHostAndPid = hostname() + "." + std::to_string(::getpid());
  const time_t seconds = when.secondsSinceEpoch();
  struct tm tm;
  localtime_r(&seconds, &tm);
  char timebuf[32];
  strftime(timebuf, sizeof timebuf, ".%Y%m%d-%H%M%S.", &tm);
  return basename + timebuf + kHostAndPid + ".log";
}

LogFile::LogFile(std::string basename, Options options, Clock clock)
    : basename_(std::move(basename)), options_(options), clock_(std::move(clock)) {
  MutexLock lock(&mutex_);
  rollFileLocked(clock_());
}

LogFile::~LogFile() = default;

void LogFile::append(const char* data, size_t len) {
  MutexLock lock(&mutex_);
  appendLocked(data, len);
}

void LogFile::flush() {
  MutexLock lock(&mutex_);
  file_->flush();
}

bool LogFile::rollFile() {
  MutexLock lock(&mutex_);
  return rollFileLocked(clock_());
}

std::string LogFile::currentFileName() const {
  MutexLock lock(&mutex_);
  return fileName_;
}

int LogFile::rollCount() const {
  MutexLock lock(&mutex_);
  return rollCount_;
}

void LogFile::appendLocked(const char* data, size_t len) {
  // The clock is checked before writing, so the first line after midnight
  // opens the new day's file instead of closing the old one.
  bool flushDue = false;
  if (++appendsSinceCheck_ >= options_.checkEveryN) {
    appendsSinceCheck_ = 0;
    const Timestamp now = clock_();
    if (now.secondsSinceEpoch() >= nextMidnight_) {
      rollFileLocked(now);
    } else if (now - lastFlush_ >= options_.flushInterval) {
      lastFlush_ = now;
      flushDue = true;
    }
  }
  file_->append(data, len);
  if (file_->writtenBytes() > static_cast<size_t>(options_.rollSize)) {
    rollFileLocked(clock_());
  } else if (flushDue) {
    file_->flush();
  }
}

bool LogFile::rollFileLocked(Timestamp now) {
  const time_t seconds = now.secondsSinceEpoch();
  if (file_ != nullptr && seconds <= lastRoll_) return false;
  fileName_ = fileNameFor(basename_, now);
  // The old file is flushed and closed before the new one opens.
  file_.reset();
  file_ = std::make_unique<AppendFile>(fileName_);
  lastRoll_ = seconds;
  nextMidnight_ = nextLocalMidnight(seconds);
  lastFlush_ = now;
  ++rollCount_;
  return true;
}

}  // namespace muduo
