// AsyncLogging: many front-end threads append log lines; one back-end thread
// writes them to a rolling LogFile.
//
// Double buffering: front ends copy into the current 4 MB buffer under a
// mutex (a memcpy, no I/O); a full buffer is queued and a spare takes its
// place. The back end wakes when a buffer fills or every flushInterval,
// swaps the whole queue out under the lock and writes it outside the lock,
// freeing each buffer (or keeping it as a spare) as soon as it is written.
//
// Overflow: the backlog (buffers queued plus buffers being written) is
// bounded by maxBacklogBuffers, so memory stays bounded whatever the disk
// does. When a front end finds the backlog full, Options::overflow decides:
//
//   kBlock (the default): the front end waits until the back end has written
//     a buffer. No line is ever lost; a disk slower than the log rate slows
//     the threads that log down to its speed. This is the default because a
//     log is evidence: the line that explains an incident is most likely
//     written during the overload that fills the backlog, and 100 MB of
//     backlog is only ever full when the disk is slower than the log for a
//     sustained period, which no buffer can hide.
//   kDrop: the front end sheds the line and counts it, so logging never
//     waits on the disk. For servers whose latency matters more than their
//     log. The loss is never silent: the back end writes a line into the
//     log itself, in place of the lost lines, saying how many were dropped
//     and between which times; droppedLines() counts them, and so does the
//     process-wide Logger::droppedLines() that servers export (/status,
//     /metrics).
//
// Exactness: every line offered to append() is either written, counted in
// droppedLines(), or counted in refusedLines() (after stop()). Nothing
// accepted is lost: stop() (and the destructor) write every line appended
// before stop() was called.
//
// Thread safety: append() from any thread; start() and stop() from the
// owning thread. The sink (if any) is called from the back-end thread and
// must not log through this AsyncLogging (under kBlock it would wait for
// itself).
#ifndef MUDUO_BASE_ASYNCLOGGING_H_
#define MUDUO_BASE_ASYNCLOGGING_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "muduo/base/LogFile.h"
#include "muduo/base/LogStream.h"
#include "muduo/base/Mutex.h"
#include "muduo/base/Thread.h"
#include "muduo/base/Timestamp.h"

namespace muduo {

class AsyncLogging {
 public:
  // What a front end does when the backlog is full; see the file comment.
  enum class Overflow { kBlock, kDrop };

  struct Options {
    LogFile::Options file;
    std::chrono::milliseconds flushInterval{3000};
    size_t maxBacklogBuffers = 25;  // 100 MB of unwritten log; at least 1
    Overflow overflow = Overflow::kBlock;
    // Where the back end writes. Empty (the default) writes the rolling
    // LogFile; tests inject a slow disk here. Called from the back-end thread only.
    std::function<void(const char* data, size_t len)> sink;
  };

  AsyncLogging(std::string basename, Options options);
  explicit AsyncLogging(std::string basename) : AsyncLogging(std::move(basename), Options()) {}
  ~AsyncLogging();
  AsyncLogging(const AsyncLogging&) = delete;
  AsyncLogging& operator=(const AsyncLogging&) = delete;

  // Any thread. Lines appended before start() are kept and written once it
  // runs (under kBlock, a front end that fills the backlog before start()
  // writes it itself: there is no back end to wait for). A line longer than
  // a buffer (4 MB) is cut to a buffer's length.
  void append(const char* line, size_t len);

  void start();
  // Writes everything accepted so far, then joins the back end. Idempotent.
  void stop();

  // Counters for tests and monitoring; any thread.
  [[nodiscard]] int64_t droppedLines() const {
    return droppedLines_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] int64_t refusedLines() const {
    return refusedLines_.load(std::memory_order_relaxed);
  }
  // Empty when Options::sink replaced the file.
  [[nodiscard]] std::string currentFileName() const {
    return file_ != nullptr ? file_->currentFileName() : std::string();
  }

 private:
  // A large buffer that also counts its lines, so drops can be reported in lines.
  struct Chunk {
    FixedBuffer<kLargeBuffer> data;
    int64_t lines = 0;
    void reset() {
      data.reset();
      lines = 0;
    }
  };
  using ChunkPtr = std::unique_ptr<Chunk>;
  using ChunkVector = std::vector<ChunkPtr>;

  // The slow path of append(): current_ has no room for `len` bytes. Queues
  // it and installs a fresh buffer, waiting or dropping first if the backlog
  // is full. False when the line was dropped or refused instead.
  bool makeRoom(size_t len) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  [[nodiscard]] size_t backlog() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return full_.size() + writing_;
  }
  // kBlock before start(): the caller writes the queue itself.
  void writeQueueInline() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void threadFunc();
  // The line that stands in the log for `count` dropped lines.
  void writeDropReport(int64_t count, Timestamp first, Timestamp last);
  // The back end's output: Options::sink, else the LogFile.
  void write(const char* data, size_t len);

  const Options options_;
  const size_t maxBacklog_;
  // null with a sink; once started, touched only by the back-end thread
  // (before start(), by a front end holding mutex_).
  std::unique_ptr<LogFile> file_;
  Thread thread_;

  Mutex mutex_;
  Condition cond_;       // back end: a buffer is full, or stop
  Condition spaceCond_;  // blocked front ends: the backlog shrank, or stop
  bool accepting_ ABSL_GUARDED_BY(mutex_) = true;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  bool started_ ABSL_GUARDED_BY(mutex_) = false;
  ChunkPtr current_ ABSL_GUARDED_BY(mutex_);
  ChunkPtr next_ ABSL_GUARDED_BY(mutex_);
  ChunkVector full_ ABSL_GUARDED_BY(mutex_);
  size_t writing_ ABSL_GUARDED_BY(mutex_) = 0;  // buffers the back end holds unwritten
  int waiters_ ABSL_GUARDED_BY(mutex_) = 0;     // front ends waiting in makeRoom()
  // Drops the back end has not yet reported in the log.
  int64_t unreportedDrops_ ABSL_GUARDED_BY(mutex_) = 0;
  Timestamp firstUnreportedDrop_ ABSL_GUARDED_BY(mutex_);
  Timestamp lastUnreportedDrop_ ABSL_GUARDED_BY(mutex_);

  std::atomic<int64_t> droppedLines_{0};
  std::atomic<int64_t> refusedLines_{0};
};

// "block" / "drop" (the --log_overflow values), case-insensitive; nullopt otherwise.
[[nodiscard]] std::optional<AsyncLogging::Overflow> parseLogOverflow(std::string_view name);
[[nodiscard]] std::string_view logOverflowName(AsyncLogging::Overflow overflow);

}  // namespace muduo

#endif  // MUDUO_BASE_ASYNCLOGGING_H_
