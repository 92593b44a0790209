#include "muduo/net/EventLoopThread.h"

#include "muduo/net/EventLoop.h"

namespace muduo::net {

EventLoopThread::EventLoopThread(ThreadInitCallback cb, std::string name)
    : callback_(std::move(cb)), thread_([this] { threadFunc(); }, std::move(name)) {}

EventLoopThread::~EventLoopThread() {
  {
    // quit() under the lock: it sets the flag before it wakes the loop, so
    // loop() may return while quit() still uses the EventLoop. The thread
    // clears loop_ under this lock before its EventLoop is destroyed, which
    // therefore waits until quit() is done.
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
