#include "muduo/base/ThreadPool.h"

#include <cassert>
#include <utility>

#include "muduo/base/CurrentThread.h"
#include "muduo/base/Thread.h"

namespace muduo {

ThreadPool::ThreadPool(std::string name) : name_(std::move(name)) {}

ThreadPool::~ThreadPool() { stop(StopMode::kFinishQueued); }

void ThreadPool::setMaxQueueSize(size_t maxSize) {
  MutexLock lock(&mutex_);
  assert(state_ == State::kNotStarted);
  maxQueueSize_ = maxSize;
}

void ThreadPool::setThreadInitCallback(ThreadInitCallback cb) {
  {
    MutexLock lock(&mutex_);
    assert(state_ == State::kNotStarted);
  }
  threadInitCallback_ = std::move(cb);
}

void ThreadPool::start(int numThreads) {
  assert(numThreads >= 0);
  {
    MutexLock lock(&mutex_);
    assert(state_ == State::kNotStarted);
    state_ = State::kRunning;
    numWorkers_ = numThreads;
  }
  threads_.reserve(static_cast<size_t>(numThreads));
  for (int i = 1; i <= numThreads; ++i) {
    threads_.push_back(
        std::make_unique<Thread>([this] { runInThread(); }, name_ + std::to_string(i)));
    threads_.back()->start();
  }
  if (numThreads == 0 && threadInitCallback_) threadInitCallback_();
}

size_t ThreadPool::stop(StopMode mode) {
  std::deque<Task> dropped;
  {
    MutexLock lock(&mutex_);
    if (state_ == State::kStopped) return 0;
    state_ = State::kStopped;
    if (mode == StopMode::kRejectQueued) dropped.swap(queue_);
    notEmpty_.notifyAll();
    notFull_.notifyAll();
  }
  const size_t numDropped = dropped.size();
  // Destroyed outside the lock, before the join: a task's destructor may call
  // back into the pool, and whoever waits for it to be destroyed should not
  // have to wait for the running tasks too.
  dropped.clear();
  for (const auto& thread : threads_) {
    assert(thread->tid() != CurrentThread::tid());  // a task may not stop its own pool
    thread->join();
  }
  threads_.clear();
  return numDropped;
}

bool ThreadPool::run(Task task) { return submit(std::move(task), /*block=*/true); }

bool ThreadPool::tryRun(Task task) { return submit(std::move(task), /*block=*/false); }

// A rejected `task` is destroyed when this returns, after `lock` is released,
// so its destructor may call back into the pool.
bool ThreadPool::submit(Task task, bool block) {
  {
    MutexLock lock(&mutex_);
    if (state_ != State::kRunning) return false;
    if (numWorkers_ > 0) {
      if (block) {
        while (isFullLocked() && state_ == State::kRunning) notFull_.wait(&mutex_);
      }
      if (state_ != State::kRunning || isFullLocked()) return false;
      queue_.push_back(std::move(task));
      notEmpty_.notify();
      return true;
    }
  }
  // No workers: the caller is the worker.
  task();
  return true;
}

bool ThreadPool::isFullLocked() const {
  return maxQueueSize_ > 0 && queue_.size() >= maxQueueSize_;
}

std::optional<ThreadPool::Task> ThreadPool::take() {
  MutexLock lock(&mutex_);
  while (queue_.empty() && state_ == State::kRunning) notEmpty_.wait(&mutex_);
  // Empty here means stopped: kFinishQueued lets the workers drain the queue
  // first, kRejectQueued has already emptied it.
  if (queue_.empty()) return std::nullopt;
  std::optional<Task> task(std::move(queue_.front()));
  queue_.pop_front();
  notFull_.notify();
  return task;
}

void ThreadPool::runInThread() {
  if (threadInitCallback_) threadInitCallback_();
  // Each task is destroyed at the end of its iteration, outside the lock.
  while (std::optional<Task> task = take()) (*task)();
}

size_t ThreadPool::queueSize() const {
  MutexLock lock(&mutex_);
  return queue_.size();
}

}  // namespace muduo
