#include "muduo/base/AsyncLogging.h"

#include <strings.h>

#include <algorithm>
#include <cstdio>

#include "muduo/base/Logging.h"

namespace muduo {
namespace {

// `new Chunk` rather than make_unique: value-initialisation would zero 4 MB.
template <typename T>
std::unique_ptr<T> newUninitialized() {
  return std::unique_ptr<T>(new T);
}

}  // namespace

std::optional<AsyncLogging::Overflow> parseLogOverflow(std::string_view name) {
  for (AsyncLogging::Overflow overflow :
       {AsyncLogging::Overflow::kBlock, AsyncLogging::Overflow::kDrop}) {
    const std::string_view known = logOverflowName(overflow);
    if (name.size() == known.size() && strncasecmp(name.data(), known.data(), name.size()) == 0) {
      return overflow;
    }
  }
  return std::nullopt;
}

std::string_view logOverflowName(AsyncLogging::Overflow overflow) {
  return overflow == AsyncLogging::Overflow::kBlock ? "block" : "drop";
}

AsyncLogging::AsyncLogging(std::string basename, Options options)
    : options_(std::move(options)),
      maxBacklog_(std::max<size_t>(options_.maxBacklogBuffers, 1)),
      file_(options_.sink ? nullptr
                          : std::make_unique<LogFile>(std::move(basename), options_.file)),
      thread_([this] { threadFunc(); }, "Logging") {
  MutexLock lock(&mutex_);
  current_ = newUninitialized<Chunk>();
  next_ = newUninitialized<Chunk>();
  full_.reserve(maxBacklog_ + 1);
}

AsyncLogging::~AsyncLogging() { stop(); }

void AsyncLogging::append(const char* line, size_t len) {
  MutexLock lock(&mutex_);
  if (!accepting_) {
    refusedLines_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // The fast path is unchanged by the overflow policy: one compare.
  if (current_->data.avail() < len && !makeRoom(len)) return;
  current_->data.append(line, len);
  ++current_->lines;
}

bool AsyncLogging::makeRoom(size_t len) {
  while (backlog() >= maxBacklog_) {
    if (options_.overflow == Overflow::kDrop) {
      const Timestamp now = Timestamp::now();
      if (unreportedDrops_++ == 0) firstUnreportedDrop_ = now;
      lastUnreportedDrop_ = now;
      droppedLines_.fetch_add(1, std::memory_order_relaxed);
      Logger::addDroppedLines(1);
      return false;
    }
    if (!started_) {
      // No back end to wait for (and waiting would never end): write the
      // queue here. Only before start(), so never on a server's hot path.
      writeQueueInline();
      break;
    }
    ++waiters_;
    spaceCond_.wait(&mutex_);
    --waiters_;
    if (!accepting_) {
      refusedLines_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    // Another front end may have installed a fresh buffer while we waited.
    if (current_->data.avail() >= len) return true;
  }
  full_.push_back(std::move(current_));
  current_ = next_ != nullptr ? std::move(next_) : newUninitialized<Chunk>();
  cond_.notify();
  return true;
}

void AsyncLogging::writeQueueInline() {
  for (const ChunkPtr& chunk : full_) write(chunk->data.data(), chunk->data.length());
  // Keep one as next_; free the rest.
  if (next_ == nullptr && !full_.empty()) {
    next_ = std::move(full_.back());
    next_->reset();
  }
  full_.clear();
}

void AsyncLogging::start() {
  {
    MutexLock lock(&mutex_);
    started_ = true;
  }
  thread_.start();
}

void AsyncLogging::stop() {
  {
    MutexLock lock(&mutex_);
    if (!accepting_) return;
    accepting_ = false;
    stopping_ = true;
    cond_.notify();
    spaceCond_.notifyAll();
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
  toWrite.reserve(maxBacklog_ + 1);
  for (bool last = false; !last;) {
    int64_t dropped = 0;
    Timestamp firstDrop;
    Timestamp lastDrop;
    {
      MutexLock lock(&mutex_);
      if (full_.empty() && !stopping_) cond_.waitFor(&mutex_, options_.flushInterval);
      full_.push_back(std::move(current_));
      current_ = std::move(spare1);
      if (next_ == nullptr) next_ = std::move(spare2);
      toWrite.swap(full_);
      writing_ = toWrite.size();
      // Every drop counted here happened after the lines in toWrite were
      // appended and before any line still to come: the report goes between.
      dropped = unreportedDrops_;
      firstDrop = firstUnreportedDrop_;
      lastDrop = lastUnreportedDrop_;
      unreportedDrops_ = 0;
      last = stopping_;
    }

    for (ChunkPtr& chunk : toWrite) {
      if (chunk->data.length() > 0) write(chunk->data.data(), chunk->data.length());
      // Recycle two as the next spares; free the rest at once, so a burst
      // does not pin its peak memory and the backlog bound is a memory bound.
      ChunkPtr* spare = spare1 == nullptr ? &spare1 : spare2 == nullptr ? &spare2 : nullptr;
      if (spare != nullptr) {
        chunk->reset();
        *spare = std::move(chunk);
      } else {
        chunk.reset();
      }
      MutexLock lock(&mutex_);
      --writing_;
      if (waiters_ > 0) spaceCond_.notifyAll();
    }
    toWrite.clear();
    if (dropped > 0) writeDropReport(dropped, firstDrop, lastDrop);
    if (spare1 == nullptr) spare1 = newUninitialized<Chunk>();
    if (spare2 == nullptr) spare2 = newUninitialized<Chunk>();
    if (file_ != nullptr) file_->flush();
  }
}

void AsyncLogging::writeDropReport(int64_t count, Timestamp first, Timestamp last) {
  char line[320];
  const int n =
      snprintf(line, sizeof line,
               "%s AsyncLogging dropped %lld log lines between %s and %s: more than "
               "%zu buffers (%zu MB) were waiting for the disk (overflow policy drop)\n",
               Timestamp::now().toFormattedString().c_str(), static_cast<long long>(count),
               first.toFormattedString().c_str(), last.toFormattedString().c_str(), maxBacklog_,
               maxBacklog_ * kLargeBuffer / (1000 * 1000));
  write(line, std::min(static_cast<size_t>(n), sizeof line - 1));
}

void AsyncLogging::write(const char* data, size_t len) {
  if (options_.sink) {
    options_.sink(data, len);
  } else {
    file_->append(data, len);
  }
}

}  // namespace muduo
