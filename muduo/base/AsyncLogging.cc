#include "muduo/base/AsyncLogging.h"

#include <cstdio>

namespace muduo {
namespace {

// `new Chunk` rather than make_unique: value-initialisation would zero 4 MB.
template <typename T>
std::unique_ptr<T> newUninitialized() {
  return std::unique_ptr<T>(new T);
}

}  // namespace

AsyncLogging::AsyncLogging(std::string basename, Options options)
    : options_(std::move(options)),
      file_(options_.sink ? nullptr
                          : std::make_unique<LogFile>(std::move(basename), options_.file)),
      thread_([this] { threadFunc(); }, "Logging") {
  MutexLock lock(&mutex_);
  current_ = newUninitialized<Chunk>();
  next_ = newUninitialized<Chunk>();
  full_.reserve(options_.maxBacklogBuffers + 1);
}

AsyncLogging::~AsyncLogging() { stop(); }

void AsyncLogging::append(const char* line, size_t len) {
  MutexLock lock(&mutex_);
  if (!accepting_) {
    refusedLines_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (current_->data.avail() < len) {
    if (full_.size() >= options_.maxBacklogBuffers) {
      // The back end is behind by the whole bound: shed this line rather
      // than grow without limit or block the caller on the disk.
      droppedLines_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    full_.push_back(std::move(current_));
    current_ = next_ != nullptr ? std::move(next_) : newUninitialized<Chunk>();
    cond_.notify();
  }
  current_->data.append(line, len);
  ++current_->lines;
}

void AsyncLogging::start() { thread_.start(); }

void AsyncLogging::stop() {
  {
    MutexLock lock(&mutex_);
    if (!accepting_) return;
    accepting_ = false;
    stopping_ = true;
    cond_.notify();
  }
  if (thread_.started()) {
    thread_.join();
  } else {
    // Never started: write what was accepted here, so stop() keeps its promise.
    threadFunc();
  }
}

void AsyncLogging::threadFunc() {
  ChunkPtr spare1 = newUninitialized<Chunk>();
  ChunkPtr spare2 = newUninitialized<Chunk>();
  ChunkVector toWrite;
  toWrite.reserve(options_.maxBacklogBuffers + 1);
  int64_t reportedDropped = 0;
  for (bool last = false; !last;) {
    {
      MutexLock lock(&mutex_);
      if (full_.empty() && !stopping_) cond_.waitFor(&mutex_, options_.flushInterval);
      full_.push_back(std::move(current_));
      current_ = std::move(spare1);
      if (next_ == nullptr) next_ = std::move(spare2);
      toWrite.swap(full_);
      last = stopping_;
    }

    for (const ChunkPtr& chunk : toWrite) {
      if (chunk->data.length() > 0) write(chunk->data.data(), chunk->data.length());
    }
    const int64_t dropped = droppedLines_.load(std::memory_order_relaxed);
    if (dropped > reportedDropped) {
      char line[256];
      const int n =
          snprintf(line, sizeof line,
                   "%s AsyncLogging dropped %lld log lines: more than %zu buffers "
                   "were waiting for the disk\n",
                   Timestamp::now().toFormattedString().c_str(),
                   static_cast<long long>(dropped - reportedDropped), options_.maxBacklogBuffers);
      write(line, static_cast<size_t>(n));
      reportedDropped = dropped;
    }

    // Recycle two chunks as the next spares; free the rest, so a burst does
    // not pin its peak memory forever.
    for (ChunkPtr* spare : {&spare1, &spare2}) {
      if (*spare != nullptr) continue;
      if (!toWrite.empty()) {
        *spare = std::move(toWrite.back());
        toWrite.pop_back();
        (*spare)->reset();
      } else {
        *spare = newUninitialized<Chunk>();
      }
    }
    toWrite.clear();
    if (file_ != nullptr) file_->flush();
  }
}

void AsyncLogging::write(const char* data, size_t len) {
  if (options_.sink) {
    options_.sink(data, len);
  } else {
    file_->append(data, len);
  }
}

}  // namespace muduo
