#include "muduo/net/http/OpenBeneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string_view>

namespace muduo::net {

namespace {

constexpr int kFileFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
// openat2 may refuse with EAGAIN when a rename races a ".." inside a
// symlink's target; a retry usually succeeds, a few are plenty.
constexpr int kEagainRetries = 3;

// Set once openat2 turns out to be missing; every later call walks.
std::atomic<bool> noOpenat2{false};

}  // namespace

UniqueFd openBeneathByWalk(int dirFd, const std::string& relative) {
  std::string_view rest = relative;
  UniqueFd dir;  // invalid while at dirFd itself
  for (;;) {
    const size_t slash = rest.find('/');
    const std::string component(rest.substr(0, slash));
    const int at = dir.valid() ? dir.get() : dirFd;
    if (slash == std::string_view::npos) {
      return UniqueFd(::openat(at, component.c_str(), kFileFlags | O_NOFOLLOW));
    }
    UniqueFd next(::openat(at, component.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) return next;
    dir = std::move(next);
    rest.remove_prefix(slash + 1);
  }
}

UniqueFd openBeneath(int dirFd, const std::string& relative) {
  if (!noOpenat2.load(std::memory_order_relaxed)) {
    struct open_how how = {};
    how.flags = kFileFlags;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (int attempt = 0; attempt <= kEagainRetries; ++attempt) {
      const long fd = ::syscall(SYS_openat2, dirFd, relative.c_str(), &how, sizeof how);
      if (fd >= 0) return UniqueFd(static_cast<int>(fd));
      if (errno != EAGAIN && errno != EINTR) break;
    }
    if (errno != ENOSYS) return UniqueFd();
    noOpenat2.store(true, std::memory_order_relaxed);
  }
  return openBeneathByWalk(dirFd, relative);
}

}  // namespace muduo::net
