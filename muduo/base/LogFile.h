// LogFile: appends log text to a file that rolls by size and at local
// midnight, flushing at least every flushInterval.
//
// Files are named  <basename>.<YYYYmmdd-HHMMSS>.<hostname>.<pid>.log  (local
// time of the roll). basename may include a directory.
//
// Thread safety: every method may be called from any thread; an internal
// mutex serialises them (uncontended when AsyncLogging's one back-end thread
// is the only writer).
#ifndef MUDUO_BASE_LOGFILE_H_
#define MUDUO_BASE_LOGFILE_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "muduo/base/Mutex.h"
#include "muduo/base/Timestamp.h"

namespace muduo {

class AppendFile;

class LogFile {
 public:
  // Tests inject a clock to cross midnight and roll without waiting.
  using Clock = absl::AnyInvocable<Timestamp()>;

  struct Options {
    off_t rollSize = 1024 * 1024 * 1024;
    std::chrono::seconds flushInterval{3};
    // The clock is read once per checkEveryN appends (it is the only
    // per-append cost besides the copy); size is checked on every append.
    int checkEveryN = 1024;
  };

  LogFile(std::string basename, Options options, Clock clock = &Timestamp::now);
  explicit LogFile(std::string basename) : LogFile(std::move(basename), Options()) {}
  ~LogFile();
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  void append(const char* data, size_t len);
  void flush();
  // Starts a new file, unless one was started in the same second (the name
  // would repeat); returns whether it rolled.
  bool rollFile();

  [[nodiscard]] std::string currentFileName() const;
  [[nodiscard]] int rollCount() const;

  // The name a file started at `when` gets; exposed for tests.
  [[nodiscard]] static std::string fileNameFor(const std::string& basename, Timestamp when);

 private:
  void appendLocked(const char* data, size_t len) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  bool rollFileLocked(Timestamp now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const std::string basename_;
  const Options options_;

  mutable Mutex mutex_;
  Clock clock_ ABSL_GUARDED_BY(mutex_);
  std::unique_ptr<AppendFile> file_ ABSL_GUARDED_BY(mutex_);
  std::string fileName_ ABSL_GUARDED_BY(mutex_);
  int appendsSinceCheck_ ABSL_GUARDED_BY(mutex_) = 0;
  int rollCount_ ABSL_GUARDED_BY(mutex_) = 0;
  time_t lastRoll_ ABSL_GUARDED_BY(mutex_) = 0;      // seconds since epoch
  time_t nextMidnight_ ABSL_GUARDED_BY(mutex_) = 0;  // local midnight after lastRoll_
  Timestamp lastFlush_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace muduo

#endif  // MUDUO_BASE_LOGFILE_H_
