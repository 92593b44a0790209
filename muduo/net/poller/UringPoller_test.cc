// UringPoller's own cases, beyond the reactor suite its _uring_test twins
// run: level triggering through one-shot re-arming, a stale completion after
// a removal, the RDHUP the kernel adds unasked, and the fallback to epoll
// when io_uring is blocked. The BUILD file sets MUDUO_USE_URING, so each
// EventLoop here polls through io_uring; on a machine without it the loop
// tests skip and the fallback test still runs.
#include "muduo/net/poller/UringPoller.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "muduo/net/Channel.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/Poller.h"
#include "muduo/net/poller/EPollPoller.h"

namespace muduo::net {
namespace {

using namespace std::chrono_literals;

void addWatchdog(EventLoop* loop, bool* timedOut) {
  loop->runAfter(5s, [loop, timedOut] {
    *timedOut = true;
    loop->quit();
  });
}

// A non-blocking AF_UNIX stream pair, closed on destruction.
class SocketPair {
 public:
  SocketPair() {
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds_), 0);
  }
  ~SocketPair() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  SocketPair(const SocketPair&) = delete;
  SocketPair& operator=(const SocketPair&) = delete;

  int near() const { return fds_[0]; }
  int far() const { return fds_[1]; }

 private:
  int fds_[2] = {-1, -1};
};

void unregister(Channel* channel) {
  channel->disableAll();
  channel->remove();
}

// Skips the calling test where this machine cannot set up a ring.
#define SKIP_WITHOUT_URING(loop)                                                    \
  do {                                                                              \
    std::string error;                                                              \
    if (UringPoller::create(loop, false, &error) == nullptr) GTEST_SKIP() << error; \
  } while (0)

TEST(UringPollerTest, AnFdLeftReadableIsReportedAgainOnTheNextPoll) {
  EventLoop loop;
  SKIP_WITHOUT_URING(&loop);
  SocketPair pair;
  ASSERT_EQ(::write(pair.far(), "abc", 3), 3);
  int reads = 0;
  Channel channel(&loop, pair.near());
  // One byte per event: only a level-triggered poller calls back three times.
  channel.setReadCallback([&](Timestamp) {
    char c;
    if (::read(pair.near(), &c, 1) == 1 && ++reads == 3) loop.quit();
  });
  channel.enableReading();
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  unregister(&channel);
  EXPECT_FALSE(timedOut);
  EXPECT_EQ(reads, 3);
}

TEST(UringPollerTest, ACompletionOfARemovedChannelNeverReachesItOrItsSlotsNextOwner) {
  EventLoop loop;
  SKIP_WITHOUT_URING(&loop);
  SocketPair first;
  SocketPair second;
  auto removed = std::make_shared<bool>(false);
  auto calledAfterRemoval = std::make_shared<bool>(false);
  auto firstChannel = std::make_unique<Channel>(&loop, first.near());
  firstChannel->setReadCallback([removed, calledAfterRemoval](Timestamp) {
    if (*removed) *calledAfterRemoval = true;
  });
  firstChannel->enableReading();
  int secondReads = 0;
  std::unique_ptr<Channel> secondChannel;
  // From a timer, so the first channel's poll is armed by then.
  loop.runAfter(1ms, [&] {
    // The armed poll fires (its completion may already sit in the CQ)...
    ASSERT_EQ(::write(first.far(), "x", 1), 1);
    // ...and the channel goes before the loop reaps it; its slot is reused.
    unregister(firstChannel.get());
    *removed = true;
    firstChannel.reset();
    secondChannel = std::make_unique<Channel>(&loop, second.near());
    secondChannel->setReadCallback([&](Timestamp) {
      char c;
      EXPECT_EQ(::read(second.near(), &c, 1), 1);
      ++secondReads;
      loop.quit();
    });
    secondChannel->enableReading();
    ASSERT_EQ(::write(second.far(), "y", 1), 1);
  });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  if (secondChannel) unregister(secondChannel.get());
  EXPECT_FALSE(timedOut);
  EXPECT_FALSE(*calledAfterRemoval);
  EXPECT_EQ(secondReads, 1);
}

TEST(UringPollerTest, AHalfClosedPeerDoesNotMakeAWriteOnlyChannelSpin) {
  EventLoop loop;
  SKIP_WITHOUT_URING(&loop);
  SocketPair pair;
  // Fill the near end's send buffer, then half-close the far end: the near
  // end is not writable, and the kernel reports RDHUP, which the channel did
  // not ask for, to every poll armed on it.
  const std::string chunk(4096, 'x');
  while (::write(pair.near(), chunk.data(), chunk.size()) > 0) {
  }
  ASSERT_EQ(errno, EAGAIN);
  ASSERT_EQ(::shutdown(pair.far(), SHUT_WR), 0);
  bool wrote = false;
  Channel channel(&loop, pair.near());
  channel.setWriteCallback([&] {
    wrote = true;
    loop.quit();
  });
  channel.enableWriting();
  int64_t iterationsWhileBlocked = -1;
  loop.runAfter(100ms, [&] {
    iterationsWhileBlocked = loop.iteration();
    // Draining the far end frees space: the channel must hear about it.
    char buf[65536];
    while (::read(pair.far(), buf, sizeof buf) > 0) {
    }
  });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  unregister(&channel);
  EXPECT_FALSE(timedOut);
  EXPECT_TRUE(wrote);
  // A spinning loop would have made thousands of iterations in 100 ms; a
  // sleeping one makes a handful (arming, the first unasked RDHUP, the timer).
  EXPECT_GE(iterationsWhileBlocked, 0);
  EXPECT_LT(iterationsWhileBlocked, 10);
}

// Makes io_uring_setup fail with EPERM in this process, as a container's
// seccomp profile does. x86-64 only, like the rest of the build.
bool blockIoUringSetup() {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program = {static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

TEST(UringPollerDeathTest, ABlockedIoUringFallsBackToEpollWithOneWarning) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        if (!blockIoUringSetup()) std::_Exit(2);
        ::setenv("MUDUO_USE_URING", "1", 1);
        EventLoop loop;  // its poller falls back and warns
        std::unique_ptr<Poller> poller = Poller::newDefaultPoller(&loop);
        const bool epoll = dynamic_cast<EPollPoller*>(poller.get()) != nullptr;
        bool timedOut = false;
        loop.runAfter(1ms, [&loop] { loop.quit(); });
        addWatchdog(&loop, &timedOut);
        loop.loop();  // and still runs
        std::_Exit(epoll && !timedOut ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "falling back to epoll");
}

}  // namespace
}  // namespace muduo::net
