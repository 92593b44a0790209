#include "muduo/base/UniqueFd.h"

#include <unistd.h>

#include <cerrno>

namespace muduo {

void UniqueFd::reset(int fd) {
  const int old = std::exchange(fd_, fd);
  if (old < 0) return;
  // Linux releases the descriptor even when close() fails with EINTR, so a
  // retry could close a number another thread has just been given.
  const int savedErrno = errno;
  ::close(old);
  errno = savedErrno;
}

}  // namespace muduo
