// The ZooKeeper fixture: it serves a real client, keeps its data across a
// restart on the same port, and its JVM never outlives the test process.
#include "rpc/naming/testing/ZooKeeperServer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace muduo::rpc::naming::testing {
namespace {

// A synchronous client call, good enough to prove the server works; the
// project's own client is rpc/naming/ZkSession.
int createPersistent(const std::string& connect, const std::string& path) {
  zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
  zhandle_t* zh = zookeeper_init(connect.c_str(), nullptr, 4000, nullptr, nullptr, 0);
  if (zh == nullptr) return ZSYSTEMERROR;
  const int rc =
      zoo_create(zh, path.c_str(), "x", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, nullptr, 0);
  zookeeper_close(zh);
  return rc;
}

bool processGone(pid_t pid) {
  // Reparented to init (or a subreaper) once its parent died; a zombie
  // that nobody reaped yet counts as gone.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pidField, comm, state;
  if (!(stat >> pidField >> comm >> state)) return true;
  return state == "Z" || state == "X";
}

TEST(ZooKeeperServerTest, ServesClientsAndKeepsItsDataAcrossARestartOnTheSamePort) {
  ZooKeeperServer zk;
  ASSERT_TRUE(zk.start().ok());
  EXPECT_NE(zk.port(), 0);
  EXPECT_EQ(fourLetterWord(zk.port(), "ruok", std::chrono::seconds(5)), "imok");
  ASSERT_EQ(createPersistent(zk.connectString(), "/fixture"), ZOK);

  const uint16_t port = zk.port();
  zk.stop();
  EXPECT_FALSE(zk.running());
  EXPECT_EQ(fourLetterWord(port, "ruok", std::chrono::seconds(1)), "");

  absl::Status restarted = zk.restart();
  ASSERT_TRUE(restarted.ok()) << restarted;
  EXPECT_EQ(zk.port(), port);
  EXPECT_EQ(createPersistent(zk.connectString(), "/fixture"), ZNODEEXISTS);
}

TEST(ZooKeeperServerTest, TheJvmDiesWithTheProcessThatStartedIt) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t test = ::fork();
  ASSERT_GE(test, 0);
  if (test == 0) {
    // A stand-in for a test process that dies without cleaning up.
    ::close(fds[0]);
    auto* zk = new ZooKeeperServer();  // leaked on purpose: no destructor runs
    pid_t jvm = zk->start().ok() ? zk->jvmPid() : -1;
    (void)::write(fds[1], &jvm, sizeof jvm);
    ::_exit(0);
  }
  ::close(fds[1]);
  pid_t jvm = -1;
  ASSERT_EQ(::read(fds[0], &jvm, sizeof jvm), static_cast<ssize_t>(sizeof jvm));
  ::close(fds[0]);
  ASSERT_GT(jvm, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(test, &status, 0), test);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!processGone(jvm) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(processGone(jvm));
}

}  // namespace
}  // namespace muduo::rpc::naming::testing
