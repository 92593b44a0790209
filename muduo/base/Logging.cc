#include "muduo/base/Logging.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "muduo/base/CurrentThread.h"
#include "muduo/base/Timestamp.h"

namespace muduo {
namespace {

void defaultOutput(const char* line, size_t len) { fwrite(line, 1, len, stderr); }
void defaultFlush() { fflush(stderr); }

LogLevel initialLogLevel() {
  const char* env = ::getenv("MUDUO_LOG_LEVEL");
  if (env != nullptr) {
    if (auto level = parseLogLevel(env)) return *level;
    fprintf(stderr, "MUDUO_LOG_LEVEL=%s is not one of TRACE DEBUG INFO WARN ERROR FATAL\n", env);
  }
  return LogLevel::kInfo;
}

// Relaxed atomics: these are configuration, read on every log statement and
// written rarely; no other memory is published through them. The level needs
// a dynamic initialiser (it reads the environment); init_priority runs it
// before ordinary static initialisers, which may already log.
std::atomic<LogLevel> g_logLevel __attribute__((init_priority(101))){initialLogLevel()};
std::atomic<Logger::OutputFunc> g_output{defaultOutput};
std::atomic<Logger::FlushFunc> g_flush{defaultFlush};
std::atomic<int64_t> g_droppedLines{0};

constexpr std::string_view kLevelNames[] = {
    "TRACE ", "DEBUG ", "INFO  ", "WARN  ", "ERROR ", "FATAL ",
};

thread_local char t_errnoBuf[512];

}  // namespace

std::optional<LogLevel> parseLogLevel(std::string_view name) {
  constexpr std::string_view kNames[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (name.size() == kNames[i].size() &&
        strncasecmp(name.data(), kNames[i].data(), name.size()) == 0) {
      return static_cast<LogLevel>(i);
    }
  }
  return std::nullopt;
}

const char* strerrorTl(int savedErrno) {
  // The GNU strerror_r may return a static string instead of filling the buffer.
  return strerror_r(savedErrno, t_errnoBuf, sizeof t_errnoBuf);
}

LogLevel Logger::logLevel() { return g_logLevel.load(std::memory_order_relaxed); }
void Logger::setLogLevel(LogLevel level) { g_logLevel.store(level, std::memory_order_relaxed); }

void Logger::setOutput(OutputFunc output) {
  g_output.store(output != nullptr ? output : defaultOutput, std::memory_order_relaxed);
}
void Logger::setFlush(FlushFunc flush) {
  g_flush.store(flush != nullptr ? flush : defaultFlush, std::memory_order_relaxed);
}
void Logger::flush() { g_flush.load(std::memory_order_relaxed)(); }

int64_t Logger::droppedLines() { return g_droppedLines.load(std::memory_order_relaxed); }
void Logger::addDroppedLines(int64_t count) {
  g_droppedLines.fetch_add(count, std::memory_order_relaxed);
}

Logger::Logger(SourceFile file, int line, LogLevel level, bool saveErrno)
    : file_(file), line_(line), level_(level), savedErrno_(saveErrno ? errno : 0) {
  LogStream::Buffer& buf = stream_.buffer();
  // A fresh stream always has room for the fixed-width prefix.
  buf.add(static_cast<size_t>(Timestamp::now().formatTo(buf.current())));
  stream_ << ' ' << CurrentThread::tidString() << kLevelNames[static_cast<int>(level)];
}

void Logger::finish() {
  if (savedErrno_ != 0) {
    stream_ << ": " << strerrorTl(savedErrno_) << " (errno=" << savedErrno_ << ')';
  }
  stream_ << " - " << file_.view() << ':' << line_ << '\n';
}

Logger::~Logger() {
  finish();
  LogStream::Buffer& buf = stream_.buffer();
  // A line truncated by the fixed buffer still ends in a newline.
  if (buf.length() == buf.capacity() && buf.data()[buf.length() - 1] != '\n') {
    buf.current()[-1] = '\n';
  }
  g_output.load(std::memory_order_relaxed)(buf.data(), buf.length());
  if (level_ == LogLevel::kFatal) {
    flush();
    abort();
  }
}

}  // namespace muduo
