// Logging front end: LOG_INFO << "text" << 42; writes one line
//
//   20261123 09:15:02.123456  4321 INFO  text 42 - EventLoop.cc:87
//
// (UTC timestamp, kernel tid, level, message, file basename and line).
// LOG_SYSERR / LOG_SYSFATAL add the errno text. LOG_FATAL aborts after
// flushing.
//
// A statement below the current level costs one relaxed atomic load and a
// branch: the Logger, and every operand of <<, is never evaluated.
//
// The output and flush functions are process-wide and default to stderr.
// Point them at AsyncLogging::append (through a small free function) to log to
// rolling files without blocking the caller on I/O.
//
// Thread safety: every macro and every static function may be used from any
// thread. Logger objects are temporaries owned by the logging statement.
#ifndef MUDUO_BASE_LOGGING_H_
#define MUDUO_BASE_LOGGING_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "muduo/base/LogStream.h"

namespace muduo {

enum class LogLevel : int { kTrace, kDebug, kInfo, kWarn, kError, kFatal };

// Parses "TRACE", "debug", "Info", ... (case-insensitive); nullopt otherwise.
[[nodiscard]] std::optional<LogLevel> parseLogLevel(std::string_view name);

class Logger {
 public:
  // A whole formatted line, newline included. Called once per line, from the
  // thread that logs; must be thread-safe itself.
  using OutputFunc = void (*)(const char* line, size_t len);
  using FlushFunc = void (*)();

  // The source file is trimmed to its basename at compile time.
  class SourceFile {
   public:
    template <size_t N>
    constexpr SourceFile(const char (&path)[N]) : data_(path), size_(N - 1) {  // NOLINT
      for (size_t i = N - 1; i > 0; --i) {
        if (path[i - 1] == '/') {
          data_ = path + i;
          size_ = N - 1 - i;
          break;
        }
      }
    }
    [[nodiscard]] constexpr std::string_view view() const { return {data_, size_}; }

   private:
    const char* data_;
    size_t size_;
  };

  // saveErrno: append strerror(errno) for the LOG_SYS* macros.
  Logger(SourceFile file, int line, LogLevel level, bool saveErrno = false);
  ~Logger();  // emits the line; aborts for kFatal
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  LogStream& stream() { return stream_; }

  [[nodiscard]] static LogLevel logLevel();
  static void setLogLevel(LogLevel level);
  [[nodiscard]] static bool enabled(LogLevel level) { return level >= logLevel(); }

  // nullptr restores the default (stderr).
  static void setOutput(OutputFunc output);
  static void setFlush(FlushFunc flush);
  static void flush();

  // Lines this process's logs have shed: every AsyncLogging under its drop
  // policy adds here what it drops (and writes a line saying so into the
  // log itself), so a server exports one figure (/status, /metrics) without
  // knowing which log it runs. Never decreases.
  [[nodiscard]] static int64_t droppedLines();
  static void addDroppedLines(int64_t count);

 private:
  void finish();

  LogStream stream_;
  SourceFile file_;
  int line_;
  LogLevel level_;
  int savedErrno_;
};

// Thread-safe strerror. The text lives in a thread_local buffer, valid until
// the calling thread's next call.
const char* strerrorTl(int savedErrno);

namespace detail {
// Lets the ternary in MUDUO_LOG_STREAM have type void on both sides, so a
// disabled statement is a branch and nothing more, and `if (x) LOG_INFO << y;
// else ...` binds as written.
struct LogVoidify {
  void operator&(LogStream&) {}
};
}  // namespace detail

}  // namespace muduo

#define MUDUO_LOG_STREAM(level, saveErrno) \
  !::muduo::Logger::enabled(level)         \
      ? (void)0                            \
      : ::muduo::detail::LogVoidify() &    \
            ::muduo::Logger(__FILE__, __LINE__, level, saveErrno).stream()

#define LOG_TRACE MUDUO_LOG_STREAM(::muduo::LogLevel::kTrace, false)
#define LOG_DEBUG MUDUO_LOG_STREAM(::muduo::LogLevel::kDebug, false)
#define LOG_INFO MUDUO_LOG_STREAM(::muduo::LogLevel::kInfo, false)
#define LOG_WARN MUDUO_LOG_STREAM(::muduo::LogLevel::kWarn, false)
#define LOG_ERROR MUDUO_LOG_STREAM(::muduo::LogLevel::kError, false)
#define LOG_FATAL MUDUO_LOG_STREAM(::muduo::LogLevel::kFatal, false)
#define LOG_SYSERR MUDUO_LOG_STREAM(::muduo::LogLevel::kError, true)
#define LOG_SYSFATAL MUDUO_LOG_STREAM(::muduo::LogLevel::kFatal, true)

#endif  // MUDUO_BASE_LOGGING_H_
