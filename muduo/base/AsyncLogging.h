// AsyncLogging: many front-end threads append log lines; one back-end thread
// writes them to a rolling LogFile.
//
// Double buffering: front ends copy into the current 4 MB buffer under a
// mutex (a memcpy, no I/O); a full buffer is queued and a spare takes its
// place. The back end wakes when a buffer fills or every flushInterval,
// swaps the whole queue out under the lock and writes it outside the lock,
// then recycles two buffers as the next spares.
//
// Back-pressure: when more than maxBacklogBuffers full buffers wait, the
// back end keeps the two oldest, drops the rest and writes one line saying
// how many lines it dropped. The front end never blocks on the disk.
//
// Nothing accepted is lost: stop() (and the destructor) write every line
// appended before stop() was called. Lines appended after stop() are refused.
//
// Thread safety: append() from any thread; start() and stop() from the
// owning thread.
#ifndef MUDUO_BASE_ASYNCLOGGING_H_
#define MUDUO_BASE_ASYNCLOGGING_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "muduo/base/LogFile.h"
#include "muduo/base/LogStream.h"
#include "muduo/base/Mutex.h"
#include "muduo/base/Thread.h"

namespace muduo {

class AsyncLogging {
 public:
  struct Options {
    LogFile::Options file;
    std::chrono::milliseconds flushInterval{3000};
    size_t maxBacklogBuffers = 25;  // 100 MB of unwritten log
    // Where the back end writes. Empty (the default) writes the rolling
    // LogFile; tests inject a slow disk here. Called from the back-end thread only.
    std::function<void(const char* data, size_t len)> sink;
  };

  AsyncLogging(std::string basename, Options options);
  explicit AsyncLogging(std::string basename) : AsyncLogging(std::move(basename), Options()) {}
  ~AsyncLogging();
  AsyncLogging(const AsyncLogging&) = delete;
  AsyncLogging& operator=(const AsyncLogging&) = delete;

  // Any thread. Lines appended before start() are kept and written once it runs.
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

  void threadFunc();
  // Writes `chunks`, dropping the excess over the backlog bound first.
  void writeChunks(ChunkVector& chunks);

  // The back end's output: Options::sink, else the LogFile.
  void write(const char* data, size_t len);

  const Options options_;
  std::unique_ptr<LogFile> file_;  // null with a sink; back-end thread only once started
  Thread thread_;

  Mutex mutex_;
  Condition cond_;
  bool accepting_ ABSL_GUARDED_BY(mutex_) = true;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  ChunkPtr current_ ABSL_GUARDED_BY(mutex_);
  ChunkPtr next_ ABSL_GUARDED_BY(mutex_);
  ChunkVector full_ ABSL_GUARDED_BY(mutex_);

  std::atomic<int64_t> droppedLines_{0};
  std::atomic<int64_t> refusedLines_{0};
};

}  // namespace muduo

#endif  // MUDUO_BASE_ASYNCLOGGING_H_
