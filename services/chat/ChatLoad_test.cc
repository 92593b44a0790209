#include "services/chat/ChatLoad.h"

#include <chrono>

#include "gtest/gtest.h"
#include "muduo/net/EventLoopThread.h"
#include "services/chat/ChatTestServer.h"

namespace muduo::chat {
namespace {

TEST(ChatLoadTest, DeliversEveryPostToEveryMemberAndReportsTheRate) {
  testing::ChatTestServer server({}, 1);
  ChatLoad::Options options;
  options.members = 10;
  options.posts = 500;
  options.window = 16;
  net::EventLoopThread loadThread;
  const auto result = ChatLoad::run(loadThread.startLoop(), server.address(), options);
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.posts, 500);
  EXPECT_EQ(result.deliveries, 5000);
  EXPECT_EQ(result.fanOutNs.count(), 500);
  EXPECT_GT(result.deliveriesPerSecond(), 0);
  EXPECT_NE(result.summary(10).find("10 members, 500 posts, 5000 deliveries in "),
            std::string::npos)
      << result.summary(10);
}

TEST(ChatLoadTest, ReportsAMemberThatCannotJoinInsteadOfHanging) {
  testing::ChatTestServer server({}, 1);
  ChatLoad::Options options;
  options.members = 3;
  options.posts = 10;
  options.room = std::string(100, 'r');  // over the name limit: every join is refused
  net::EventLoopThread loadThread;
  const auto result = ChatLoad::run(loadThread.startLoop(), server.address(), options);
  EXPECT_FALSE(result.ok());
  EXPECT_NE(result.error.find("INVALID_ARGUMENT"), std::string::npos) << result.error;
}

}  // namespace
}  // namespace muduo::chat
