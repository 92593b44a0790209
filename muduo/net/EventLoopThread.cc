#include "muduo/net/EventLoopThread.h"

#include "muduo/net/EventLoop.h"

namespace muduo::net {

EventLoopThread::EventLoopThread(ThreadInitCallback cb, std::string name)
    : callback_(std::move(cb)), thread_([this] { threadFunc(); }, std::move(name)) {}

EventLoopThread::~EventLoopThread() {
  {
    // Hold the lock through quit(): a loop that is awake may see the flag,
    // return and be destroyed while quit() is still writing its wake-up fd.
    // threadFunc() takes this lock after loop() returns and before the loop
    // is destroyed, so the loop outlives the call.
    MutexLock lock(&mutex_);
    if (loop_ != nullptr) loop_->quit();
  }
  if (thread_.started()) thread_.join();
}

EventLoop* EventLoopThread::startLoop() {
  thread_.start();
  MutexLock lock(&mutex_);
  while (loop_ == nullptr) cond_.wait(&mutex_);
  return loop_;
}

void EventLoopThread::threadFunc() {
  EventLoop loop;
  if (callback_) callback_(&loop);
  {
    MutexLock lock(&mutex_);
    loop_ = &loop;
    cond_.notify();
  }
  loop.loop();
  MutexLock lock(&mutex_);
  loop_ = nullptr;
}

}  // namespace muduo::net
