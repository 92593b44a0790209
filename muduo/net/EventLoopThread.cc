#include "muduo/net/EventLoopThread.h"

#include "muduo/net/EventLoop.h"

namespace muduo::net {

EventLoopThread::EventLoopThread(ThreadInitCallback cb, std::string name)
    : callback_(std::move(cb)), thread_([this] { threadFunc(); }, std::move(name)) {}

EventLoopThread::~EventLoopThread() {
  EventLoop* loop = nullptr;
  {
    MutexLock lock(&mutex_);
    loop = loop_;
  }
  // loop_ is reset by the thread only after loop() returns, and loop() cannot
  // return before this quit(), so the pointer stays valid here.
  if (loop != nullptr) loop->quit();
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
