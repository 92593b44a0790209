// ThreadPool: a fixed set of named worker threads running queued tasks in
// FIFO order.
//
// Owns its worker threads and the queued tasks. Configure with
// setMaxQueueSize() and setThreadInitCallback(), then start(); stop(), or the
// destructor, ends the workers. The setters, start(), stop() and the
// destructor must not run concurrently with one another (normally one owner
// thread calls them all); run(), tryRun(), queueSize() and name() may be
// called from any thread, tasks included.
//
// Tasks must not throw: nothing catches an exception escaping a task, so it
// ends the process (std::terminate), as it would leaving any thread.
#ifndef MUDUO_BASE_THREADPOOL_H_
#define MUDUO_BASE_THREADPOOL_H_

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "muduo/base/Mutex.h"

namespace muduo {

class Thread;

class ThreadPool {
 public:
  using Task = absl::AnyInvocable<void()>;
  // Called once in each worker thread, concurrently across workers, before it
  // takes any task; hence const: it may not mutate its own state unguarded.
  using ThreadInitCallback = absl::AnyInvocable<void() const>;

  enum class StopMode {
    kFinishQueued,  // run every task already queued, then end the workers
    kRejectQueued,  // destroy queued tasks unrun; tasks already running finish
  };

  // Worker threads are named "<name>1", "<name>2", ...
  explicit ThreadPool(std::string name = "ThreadPool");
  // Stops with kFinishQueued if still running.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Before start(). 0, the default, means unbounded.
  void setMaxQueueSize(size_t maxSize);
  // Before start().
  void setThreadInitCallback(ThreadInitCallback cb);

  // Starts `numThreads` workers and returns once all are running. With 0
  // threads nothing is queued: run() and tryRun() execute the task in their
  // caller, and the init callback runs here, in the caller of start().
  void start(int numThreads);

  // Ends the workers as `mode` says and joins them; returns how many queued
  // tasks were dropped (always 0 for kFinishQueued). Producers blocked in
  // run() are woken and fail. Must not be called from a task: it joins the
  // workers. Idempotent: a second call returns 0.
  size_t stop(StopMode mode);

  // Queues `task`, blocking while the queue is full. Returns false (and
  // destroys `task` unrun) before start() or once stop() has begun.
  // Any thread. A task that run()s more work on its own pool may deadlock
  // when the queue is full; use tryRun() there.
  [[nodiscard]] bool run(Task task);
  // Like run() but never blocks: also returns false when the queue is full.
  // Any thread.
  [[nodiscard]] bool tryRun(Task task);

  // Any thread.
  [[nodiscard]] size_t queueSize() const;
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  enum class State { kNotStarted, kRunning, kStopped };

  bool submit(Task task, bool block);
  bool isFullLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Blocks until a task is available; nullopt when the worker should exit.
  std::optional<Task> take();
  void runInThread();

  const std::string name_;
  // Set before start() and only read afterwards; the workers see it because
  // they are created after it is set.
  ThreadInitCallback threadInitCallback_;
  // Touched only by start() and stop(), which the owner serializes.
  std::vector<std::unique_ptr<Thread>> threads_;

  mutable Mutex mutex_;
  Condition notEmpty_;
  Condition notFull_;
  std::deque<Task> queue_ ABSL_GUARDED_BY(mutex_);
  size_t maxQueueSize_ ABSL_GUARDED_BY(mutex_) = 0;
  int numWorkers_ ABSL_GUARDED_BY(mutex_) = 0;
  State state_ ABSL_GUARDED_BY(mutex_) = State::kNotStarted;
};

}  // namespace muduo

#endif  // MUDUO_BASE_THREADPOOL_H_
