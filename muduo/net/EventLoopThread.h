// EventLoopThread: a thread that runs one EventLoop.
//
// startLoop() starts the thread, waits until its loop exists and returns it.
// The destructor quits the loop and joins the thread.
//
// Thread contract: construct, startLoop() and destroy from one owning thread;
// the returned EventLoop follows EventLoop's own contract.
#ifndef MUDUO_NET_EVENTLOOPTHREAD_H_
#define MUDUO_NET_EVENTLOOPTHREAD_H_

#include <functional>
#include <string>

#include "muduo/base/Mutex.h"
#include "muduo/base/Thread.h"

namespace muduo::net {

class EventLoop;

class EventLoopThread {
 public:
  // Runs in the new thread, before its loop starts; may set up the loop.
  using ThreadInitCallback = std::function<void(EventLoop*)>;

  explicit EventLoopThread(ThreadInitCallback cb = ThreadInitCallback(),
                           std::string name = std::string());
  ~EventLoopThread();
  EventLoopThread(const EventLoopThread&) = delete;
  EventLoopThread& operator=(const EventLoopThread&) = delete;

  EventLoop* startLoop();

 private:
  void threadFunc();

  ThreadInitCallback callback_;
  Mutex mutex_;
  Condition cond_;
  EventLoop* loop_ ABSL_GUARDED_BY(mutex_) = nullptr;
  Thread thread_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_EVENTLOOPTHREAD_H_
