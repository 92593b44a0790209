#include "services/chat/ChatSession.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "services/chat/ChatServiceImpl.h"
#include "services/chat/ChatTestServer.h"

namespace muduo::chat {
namespace {

using namespace std::chrono_literals;

// What a session printed, for the test thread to wait on.
class Screen {
 public:
  ChatSession::Printer printer() {
    return [this](std::string_view line) {
      MutexLock lock(&mutex_);
      lines_.emplace_back(line);
      changed_.notifyAll();
    };
  }
  [[nodiscard]] bool waitForLine(const std::string& line) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    MutexLock lock(&mutex_);
    while (std::find(lines_.begin(), lines_.end(), line) == lines_.end()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      changed_.waitFor(&mutex_, deadline - now);
    }
    return true;
  }
  std::vector<std::string> lines() {
    MutexLock lock(&mutex_);
    return lines_;
  }

 private:
  Mutex mutex_;
  Condition changed_;
  std::vector<std::string> lines_;
};

class ChatSessionTest : public ::testing::Test {
 protected:
  static ChatServiceImpl::Options serviceOptions() {
    ChatServiceImpl::Options options;
    options.sweepInterval = 20ms;
    return options;
  }

  ChatSessionTest() : server_(serviceOptions(), 1) { clientLoop_ = clientThread_.startLoop(); }

  std::unique_ptr<ChatSession> session(const std::string& name, Screen* screen) {
    return std::make_unique<ChatSession>(clientLoop_, server_.address(), "lobby", name,
                                         screen->printer(), 10s);
  }

  testing::ChatTestServer server_;
  net::EventLoopThread clientThread_;
  net::EventLoop* clientLoop_ = nullptr;
};

TEST(ChatSessionFormatTest, PrintsPostsWithTimeAndSenderAndJoinsAndLeaves) {
  Event event;
  event.mutable_join()->set_name("alice");
  EXPECT_EQ(ChatSession::format(event), "* alice joined");
  event.mutable_leave()->set_name("bob");
  event.mutable_leave()->set_reason("left");
  EXPECT_EQ(ChatSession::format(event), "* bob left");
  event.mutable_leave()->set_reason("slow consumer: 2000000 bytes unread");
  EXPECT_EQ(ChatSession::format(event), "* bob left (slow consumer: 2000000 bytes unread)");
  event.mutable_post()->set_sender("carol");
  event.mutable_post()->set_text("hi");
  event.mutable_post()->set_time_us(1'700'000'000'000'000);
  const std::string line = ChatSession::format(event);
  ASSERT_EQ(line.size(), std::string("[hh:mm:ss] carol: hi").size()) << line;
  EXPECT_EQ(line[0], '[');
  EXPECT_EQ(line[3], ':');
  EXPECT_EQ(line.substr(9), "] carol: hi");
}

TEST_F(ChatSessionTest, TwoSessionsSeeEachOthersPostsJoinsAndLeavesAndRunCommands) {
  Screen aliceScreen;
  Screen bobScreen;
  auto alice = session("alice", &aliceScreen);
  ASSERT_TRUE(alice->join().ok());
  auto bob = session("bob", &bobScreen);
  ASSERT_TRUE(bob->join().ok());
  ASSERT_TRUE(aliceScreen.waitForLine("* bob joined"));

  EXPECT_EQ(alice->handleLine("hello bob\r"), ChatSession::Next::kContinue);
  EXPECT_EQ(alice->handleLine("//etc"), ChatSession::Next::kContinue);
  EXPECT_EQ(alice->handleLine(""), ChatSession::Next::kContinue);
  ASSERT_TRUE(alice->waitForOwnPosts());
  alice->handleLine("/who");
  alice->handleLine("/rooms");
  alice->handleLine("/nope");
  EXPECT_EQ(alice->handleLine("/quit"), ChatSession::Next::kQuit);
  alice->leave();
  ASSERT_TRUE(alice->ended().has_value());
  EXPECT_EQ(alice->ended()->code(), absl::StatusCode::kCancelled);

  ASSERT_TRUE(bobScreen.waitForLine("* alice left"));
  std::vector<std::string> seen;
  for (const std::string& line : bobScreen.lines()) {
    seen.push_back(line[0] == '[' ? line.substr(11) : line);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"* bob joined", "alice: hello bob", "alice: /etc",
                                            "* alice left"}));
  const auto lines = aliceScreen.lines();
  EXPECT_NE(std::find(lines.begin(), lines.end(), "* in lobby: alice bob"), lines.end());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "* rooms: lobby (2)"), lines.end());
  EXPECT_EQ(
      std::count_if(lines.begin(), lines.end(),
                    [](const std::string& l) { return l.rfind("! unknown command", 0) == 0; }),
      1);
}

TEST_F(ChatSessionTest, ATakenNameFailsTheJoinWithAlreadyExists) {
  Screen screen;
  auto first = session("alice", &screen);
  ASSERT_TRUE(first->join().ok());
  Screen otherScreen;
  auto second = session("alice", &otherScreen);
  EXPECT_EQ(second->join().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(otherScreen.lines().empty()) << "join() reports it, not the screen";
}

TEST_F(ChatSessionTest, TheServerEndingTheStreamEndsTheSessionWithItsReason) {
  Screen screen;
  auto alice = session("alice", &screen);
  ASSERT_TRUE(alice->join().ok());
  server_.service().closeAll(absl::UnavailableError("server shutting down"));
  ASSERT_TRUE(screen.waitForLine("* disconnected: UNAVAILABLE: server shutting down"));
  ASSERT_TRUE(alice->ended().has_value());
  EXPECT_EQ(alice->ended()->code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace muduo::chat
