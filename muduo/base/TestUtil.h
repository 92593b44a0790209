// Helpers for tests that use threads or child processes: every wait is
// bounded, so a bug fails the test instead of hanging it.
//
// Thread safety: every function may be called from any thread.
#ifndef MUDUO_BASE_TESTUTIL_H_
#define MUDUO_BASE_TESTUTIL_H_

#include <sys/types.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>

#include "muduo/base/CountDownLatch.h"

namespace muduo::test {

// True in a build under AddressSanitizer or ThreadSanitizer, where code runs
// several times slower: a test scales its counts down with it (say
// `kSanitized ? 300 : 2000`) to stay a few seconds long, and skips what the
// sanitizer's own runtime disturbs.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

// Long enough that a loaded CI machine never hits it on a correct run.
inline constexpr std::chrono::seconds kTimeout{10};

// How long to watch a thread that must stay blocked. Blocking cannot be
// observed directly, only a call not returning for a while: a correct
// implementation passes whatever this is, and a broken one is caught whenever
// its thread gets that far within the window, which on an idle machine is
// nearly always.
inline constexpr std::chrono::milliseconds kBlockedProbe{50};

// Waits up to kTimeout for `latch`. A timeout means the code under test left
// some thread blocked for good; no destructor could join it, so the test would
// hang until Bazel kills it. Report and abort instead, naming what was awaited.
inline void waitOrAbort(CountDownLatch& latch, const char* what) {
  if (!latch.waitFor(kTimeout)) {
    std::fprintf(stderr, "Timed out after %llds waiting for %s\n",
                 static_cast<long long>(kTimeout.count()), what);
    std::abort();
  }
}

// Reaps the child `pid` once it exits: its exit code, or 128 + the signal
// that ended it (as a shell reports it); nullopt if it still runs after
// `timeout`, and then it is still ours to reap later.
inline std::optional<int> reapWithin(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // A child's exit cannot be awaited with a timeout directly; poll briefly.
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace muduo::test

#endif  // MUDUO_BASE_TESTUTIL_H_
