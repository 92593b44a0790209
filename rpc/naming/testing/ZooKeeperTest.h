// ZooKeeperTest: a gtest fixture whose suite shares one real ZooKeeper
// (a JVM start costs a second or two, so not one per test).
//
// Test-only. gtest's threads.
#ifndef RPC_NAMING_TESTING_ZOOKEEPERTEST_H_
#define RPC_NAMING_TESTING_ZOOKEEPERTEST_H_

#include <gtest/gtest.h>

#include "rpc/naming/testing/ZooKeeperServer.h"

namespace muduo::rpc::naming::testing {

class ZooKeeperTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    zk_ = new ZooKeeperServer();
    absl::Status status = zk_->start();
    ASSERT_TRUE(status.ok()) << status;
  }
  static void TearDownTestSuite() {
    delete zk_;
    zk_ = nullptr;
  }

  inline static ZooKeeperServer* zk_ = nullptr;
};

}  // namespace muduo::rpc::naming::testing

#endif  // RPC_NAMING_TESTING_ZOOKEEPERTEST_H_
