// Proves the ZooKeeper C client (mt) overlay compiles and links, and pins the
// version the code was written against.
#include <zookeeper/zookeeper.h>
#include <zookeeper/zookeeper_version.h>

#include <cerrno>
#include <string_view>

#include "gtest/gtest.h"

namespace {

TEST(ZooKeeperLinkTest, IsTheThreePointEightClient) {
  EXPECT_EQ(std::string_view(ZOO_VERSION).substr(0, 4), "3.8.");
}

TEST(ZooKeeperLinkTest, RefusesAnEmptyHostListWithoutConnecting) {
  zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
  errno = 0;
  zhandle_t* zh = zookeeper_init("", nullptr, 1000, nullptr, nullptr, 0);
  EXPECT_EQ(zh, nullptr);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_STREQ(zerror(ZNONODE), "no node");
}

}  // namespace
