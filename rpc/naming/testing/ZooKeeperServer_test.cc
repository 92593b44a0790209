// The ZooKeeper fixture: it serves a real client, keeps its data across a
// restart on the same port. (That its JVM dies with the test is
// ChildProcess_test's finding: the JVM is a ChildProcess.)
#include "rpc/naming/testing/ZooKeeperServer.h"

#include <gtest/gtest.h>
#include <zookeeper/zookeeper.h>

#include <chrono>

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

}  // namespace
}  // namespace muduo::rpc::naming::testing
