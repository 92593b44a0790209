// ChildProcess: a child never outlives the process that started it, even
// when that process dies without running a destructor; stop() escalates
// from SIGTERM to SIGKILL.
#include "rpc/naming/testing/ChildProcess.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace muduo::rpc::naming::testing {
namespace {

bool processGone(pid_t pid) {
  // Reparented to init (or a subreaper) once its parent died; a zombie
  // that nobody reaped yet counts as gone.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pidField, comm, state;
  if (!(stat >> pidField >> comm >> state)) return true;
  return state == "Z" || state == "X";
}

TEST(ChildProcessTest, AChildDiesWithTheProcessThatStartedIt) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t test = ::fork();
  ASSERT_GE(test, 0);
  if (test == 0) {
    // A stand-in for a test process that dies without cleaning up.
    ::close(fds[0]);
    auto* child = new ChildProcess({"/bin/sleep", "60"}, "/dev/null");  // leaked on purpose
    const pid_t pid = child->pid();
    // A short write leaves the parent's read to fail the test.
    const bool wrote = ::write(fds[1], &pid, sizeof pid) == static_cast<ssize_t>(sizeof pid);
    ::_exit(wrote ? 0 : 1);
  }
  ::close(fds[1]);
  pid_t child = -1;
  ASSERT_EQ(::read(fds[0], &child, sizeof child), static_cast<ssize_t>(sizeof child));
  ::close(fds[0]);
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(test, &status, 0), test);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!processGone(child) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(processGone(child));
}

TEST(ChildProcessTest, StopKillsAChildThatIgnoresSigterm) {
  ChildProcess child({"/bin/sh", "-c", "trap '' TERM; echo ready; sleep 60"},
                     makeTempDir("child-") + "/out");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (child.output().find("ready") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(child.stop(std::chrono::milliseconds(100)), 128 + SIGKILL);
  EXPECT_FALSE(child.running());
}

}  // namespace
}  // namespace muduo::rpc::naming::testing
