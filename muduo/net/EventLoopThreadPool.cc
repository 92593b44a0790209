#include "muduo/net/EventLoopThreadPool.h"

#include <cassert>

#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"

namespace muduo::net {

EventLoopThreadPool::EventLoopThreadPool(EventLoop* baseLoop, std::string name)
    : baseLoop_(baseLoop), name_(std::move(name)) {}

// The EventLoopThreads quit and join their loops; the loops themselves live
// on those threads' stacks.
EventLoopThreadPool::~EventLoopThreadPool() = default;

void EventLoopThreadPool::start(const ThreadInitCallback& cb) {
  assert(!started_);
  baseLoop_->assertInLoopThread();
  started_ = true;
  for (int i = 0; i < numThreads_; ++i) {
    threads_.push_back(std::make_unique<EventLoopThread>(cb, name_ + std::to_string(i)));
    loops_.push_back(threads_.back()->startLoop());
  }
  if (numThreads_ == 0 && cb) cb(baseLoop_);
}

EventLoop* EventLoopThreadPool::getNextLoop() {
  baseLoop_->assertInLoopThread();
  assert(started_);
  if (loops_.empty()) return baseLoop_;
  EventLoop* loop = loops_[next_];
  next_ = (next_ + 1) % loops_.size();
  return loop;
}

EventLoop* EventLoopThreadPool::getLoopForHash(size_t hashCode) {
  baseLoop_->assertInLoopThread();
  if (loops_.empty()) return baseLoop_;
  return loops_[hashCode % loops_.size()];
}

std::vector<EventLoop*> EventLoopThreadPool::getAllLoops() {
  baseLoop_->assertInLoopThread();
  assert(started_);
  if (loops_.empty()) return {baseLoop_};
  return loops_;
}

}  // namespace muduo::net
