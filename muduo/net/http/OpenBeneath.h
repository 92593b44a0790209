// openBeneath: opens a file by a relative path that may not leave a given
// directory, not even through a symlink, in one step, so there is no window
// between checking a path and opening it (no TOCTOU).
//
// With openat2(2) and RESOLVE_BENEATH (Linux 5.6) the kernel follows
// symlinks only while they stay beneath the directory. Where openat2 is
// missing (ENOSYS: an old kernel, or a seccomp filter that hides it), the
// path is walked one component at a time with O_NOFOLLOW, which refuses
// every symlink, even one that points inside. glibc 2.36 has no openat2
// wrapper, hence the raw syscall.
//
// Free functions; safe in any thread.
#ifndef MUDUO_NET_HTTP_OPENBENEATH_H_
#define MUDUO_NET_HTTP_OPENBENEATH_H_

#include <string>

#include "muduo/base/UniqueFd.h"

namespace muduo::net {

// Opens `relative` (components separated by '/', none of them empty or
// "..") beneath the directory `dirFd`, read-only, close-on-exec and
// non-blocking (so a FIFO cannot stall the loop). On failure returns an
// invalid UniqueFd with errno set: EXDEV or ELOOP for a path that would
// leave the directory or (in the fallback) crosses a symlink.
[[nodiscard]] UniqueFd openBeneath(int dirFd, const std::string& relative);

// The fallback alone, for tests and for kernels without openat2.
[[nodiscard]] UniqueFd openBeneathByWalk(int dirFd, const std::string& relative);

}  // namespace muduo::net

#endif  // MUDUO_NET_HTTP_OPENBENEATH_H_
