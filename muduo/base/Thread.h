// Thread: a named std::thread whose kernel tid is known once start() returns.
//
// Owned and driven by one thread (the one that calls start/join); tid(),
// name() and started() may be read from any thread after start() returns.
// Unlike muduo's Thread (which detaches), the destructor joins a started
// thread that was not joined yet, so a Thread never outlives its owner.
#ifndef MUDUO_BASE_THREAD_H_
#define MUDUO_BASE_THREAD_H_

#include <atomic>
#include <string>
#include <thread>

#include "absl/functional/any_invocable.h"

namespace muduo {

class Thread {
 public:
  using ThreadFunc = absl::AnyInvocable<void()>;

  // An empty name becomes "Thread<N>", N counting every Thread ever made.
  explicit Thread(ThreadFunc func, std::string name = std::string());
  ~Thread();
  Thread(const Thread&) = delete;
  Thread& operator=(const Thread&) = delete;

  // Starts the thread and waits until it has published its tid.
  void start();
  void join();

  [[nodiscard]] bool started() const { return started_; }
  [[nodiscard]] int tid() const { return tid_; }
  [[nodiscard]] const std::string& name() const { return name_; }

  [[nodiscard]] static int numCreated() { return numCreated_.load(std::memory_order_relaxed); }

 private:
  void run();

  ThreadFunc func_;
  std::string name_;
  std::thread thread_;
  bool started_ = false;
  bool joined_ = false;
  int tid_ = 0;  // written by the new thread before start() returns

  static std::atomic<int> numCreated_;
};

}  // namespace muduo

#endif  // MUDUO_BASE_THREAD_H_
