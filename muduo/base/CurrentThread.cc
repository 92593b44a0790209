#include "muduo/base/CurrentThread.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

namespace muduo::CurrentThread {
namespace detail {

constinit thread_local int t_cachedTid = 0;
constinit thread_local char t_tidString[16] = {};
constinit thread_local int t_tidStringLength = 0;

void cacheTid() {
  if (t_cachedTid == 0) {
    t_cachedTid = static_cast<int>(::syscall(SYS_gettid));
    t_tidStringLength = snprintf(t_tidString, sizeof t_tidString, "%6d ", t_cachedTid);
  }
}

}  // namespace detail

namespace {
thread_local const char* t_threadName = nullptr;
}  // namespace

const char* name() {
  if (t_threadName == nullptr) t_threadName = isMainThread() ? "main" : "unknown";
  return t_threadName;
}

void setName(const char* name) { t_threadName = name; }

bool isMainThread() { return tid() == ::getpid(); }

}  // namespace muduo::CurrentThread
