// EventLoopThreadPool: the I/O loops of a TcpServer or TcpClient group.
//
// With zero threads every call returns the base loop, so a single-threaded
// server needs no special case.
//
// Thread contract: owned by the base loop's thread; every method runs there.
#ifndef MUDUO_NET_EVENTLOOPTHREADPOOL_H_
#define MUDUO_NET_EVENTLOOPTHREADPOOL_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace muduo::net {

class EventLoop;
class EventLoopThread;

class EventLoopThreadPool {
 public:
  using ThreadInitCallback = std::function<void(EventLoop*)>;

  EventLoopThreadPool(EventLoop* baseLoop, std::string name);
  ~EventLoopThreadPool();
  EventLoopThreadPool(const EventLoopThreadPool&) = delete;
  EventLoopThreadPool& operator=(const EventLoopThreadPool&) = delete;

  void setThreadNum(int numThreads) { numThreads_ = numThreads; }
  // Starts the threads; returns once every loop runs. cb runs once per loop
  // (in the base loop when there are no threads).
  void start(const ThreadInitCallback& cb = ThreadInitCallback());

  // Round-robin.
  EventLoop* getNextLoop();
  // The same hash always maps to the same loop.
  EventLoop* getLoopForHash(size_t hashCode);
  [[nodiscard]] std::vector<EventLoop*> getAllLoops();

  [[nodiscard]] bool started() const { return started_; }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  EventLoop* const baseLoop_;
  const std::string name_;
  bool started_ = false;
  int numThreads_ = 0;
  size_t next_ = 0;
  std::vector<std::unique_ptr<EventLoopThread>> threads_;
  std::vector<EventLoop*> loops_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_EVENTLOOPTHREADPOOL_H_
