#include "muduo/base/Thread.h"

#include <sys/prctl.h>

#include <cassert>
#include <utility>

#include "muduo/base/CountDownLatch.h"
#include "muduo/base/CurrentThread.h"

namespace muduo {

std::atomic<int> Thread::numCreated_{0};

Thread::Thread(ThreadFunc func, std::string name) : func_(std::move(func)), name_(std::move(name)) {
  const int num = numCreated_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (name_.empty()) name_ = "Thread" + std::to_string(num);
}

Thread::~Thread() {
  if (started_ && !joined_) join();
}

void Thread::start() {
  assert(!started_);
  started_ = true;
  CountDownLatch tidKnown(1);
  thread_ = std::thread([this, &tidKnown] {
    tid_ = CurrentThread::tid();
    CurrentThread::setName(name_.c_str());
    // The kernel keeps 15 characters; enough to tell threads apart in top/gdb.
    ::prctl(PR_SET_NAME, name_.c_str());
    tidKnown.countDown();
    run();
  });
  tidKnown.wait();
}

void Thread::join() {
  assert(started_ && !joined_);
  joined_ = true;
  thread_.join();
}

void Thread::run() {
  func_();
  CurrentThread::setName("finished");
}

}  // namespace muduo
