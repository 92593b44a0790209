// CurrentThread: facts about the calling thread, cached in thread_locals so the
// logging hot path never makes a syscall for them.
//
// Every function here is about the calling thread and may be called from any thread.
#ifndef MUDUO_BASE_CURRENTTHREAD_H_
#define MUDUO_BASE_CURRENTTHREAD_H_

#include <string_view>

namespace muduo::CurrentThread {

namespace detail {
// constinit: without it, every read from another translation unit first
// checks for a dynamic initializer (a load, a test and a branch), and tid()
// runs on every isInLoopThread() of the hot paths.
extern constinit thread_local int t_cachedTid;
extern constinit thread_local char t_tidString[16];
extern constinit thread_local int t_tidStringLength;
void cacheTid();
}  // namespace detail

// The kernel thread id (gettid), cached after the first call.
inline int tid() {
  if (__builtin_expect(detail::t_cachedTid == 0, 0)) detail::cacheTid();
  return detail::t_cachedTid;
}

// tid() as right-aligned decimal text followed by a space, for log lines.
inline std::string_view tidString() {
  tid();
  return std::string_view(detail::t_tidString, static_cast<size_t>(detail::t_tidStringLength));
}

// The name given by muduo::Thread ("main" for the main thread, "unknown" for
// threads not started through muduo::Thread).
const char* name();
void setName(const char* name);  // the pointer must outlive the thread

bool isMainThread();

}  // namespace muduo::CurrentThread

#endif  // MUDUO_BASE_CURRENTTHREAD_H_
