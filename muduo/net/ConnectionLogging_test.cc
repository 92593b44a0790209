// What a person reading a server's log sees of its connections: each one
// up and down at INFO with the peer's address, and a reset by the peer as
// INFO, not as an ERROR.
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "muduo/base/Logging.h"
#include "muduo/net/TcpServer.h"
#include "muduo/net/TestUtil.h"

namespace muduo::net {
namespace {

std::mutex g_mutex;
std::string g_lines;  // guarded by g_mutex

void capture(const char* line, size_t len) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_lines.append(line, len);
}

std::string captured() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_lines;
}

// Waits up to test::kTimeout for `text` to appear in the log.
bool waitForLine(const std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + test::kTimeout;
  while (captured().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::string localAddressOf(int fd) {
  struct sockaddr_in addr = {};
  socklen_t len = sizeof addr;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  return InetAddress(addr).toIpPort();
}

class ConnectionLoggingTest : public ::testing::Test {
 protected:
  void SetUp() override { Logger::setOutput(&capture); }
  void TearDown() override { Logger::setOutput(nullptr); }
};

TEST_F(ConnectionLoggingTest, AConnectionIsLoggedUpAndDownAtInfoWithThePeersAddress) {
  test::ServerThread server([](TcpServer& s) { s.setMessageCallback(test::echo); });
  test::BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  const std::string peer = localAddressOf(client.fd());
  EXPECT_TRUE(waitForLine(": connection from " + peer + " up")) << captured();
  client.close();
  EXPECT_TRUE(waitForLine("connection from " + peer + " down")) << captured();
}

TEST_F(ConnectionLoggingTest, AResetByThePeerIsInfoWithItsAddressNotAnError) {
  test::ServerThread server([](TcpServer& s) { s.setMessageCallback(test::echo); });
  test::BlockingSocket client;
  ASSERT_EQ(client.connect(server.address()), 0);
  const std::string peer = localAddressOf(client.fd());
  ASSERT_TRUE(client.sendAll("ping"));
  ASSERT_EQ(client.readExactly(4), "ping");
  client.setLingerZero();
  client.close();  // RST
  EXPECT_TRUE(waitForLine("connection from " + peer + " down")) << captured();
  const std::string log = captured();
  EXPECT_NE(log.find("INFO  connection reset by " + peer), std::string::npos) << log;
  EXPECT_EQ(log.find(" ERROR "), std::string::npos) << log;
}

}  // namespace
}  // namespace muduo::net
