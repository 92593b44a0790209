#include "tools/conn_scale/ConnScale.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "gtest/gtest.h"

namespace connscale {
namespace {

TEST(ConnScaleTest, HoldsEveryConnectionAndMeasuresTheServerGrowth) {
  Options options;
  options.connections = 300;
  options.sourceAddresses = 2;
  options.timeout = std::chrono::seconds(30);
  const auto result = runConnScale(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->connections, 300);
  EXPECT_GT(result->rssBefore, 0);
  EXPECT_GE(result->rssAfter, result->rssBefore);
}

// A plain accept-and-hold server in a child process, standing in for a peer's.
struct ChildServer {
  pid_t pid = -1;
  uint16_t port = 0;
};

ChildServer startChildServer() {
  ChildServer child;
  const int listenFd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listenFd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listenFd, SOMAXCONN) != 0 ||
      ::getsockname(listenFd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return child;
  }
  child.port = ntohs(addr.sin_port);
  child.pid = ::fork();
  if (child.pid == 0) {
    std::vector<int> held;
    for (;;) {  // until the test kills it
      const int fd = ::accept(listenFd, nullptr, nullptr);
      if (fd >= 0) held.push_back(fd);
    }
  }
  ::close(listenFd);
  return child;
}

TEST(ConnScaleTest, MeasuresAServerRunningInAnotherProcess) {
  const ChildServer child = startChildServer();
  ASSERT_GT(child.pid, 0);
  Options options;
  options.connections = 200;
  options.timeout = std::chrono::seconds(30);
  const auto result = runConnScaleAgainst(options, child.pid, child.port);
  ::kill(child.pid, SIGKILL);
  ::waitpid(child.pid, nullptr, 0);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->connections, 200);
  EXPECT_GT(result->rssBefore, 0);
}

TEST(ConnScaleTest, AServerProcessThatDoesNotExistIsNotFound) {
  const ChildServer child = startChildServer();
  ASSERT_GT(child.pid, 0);
  ::kill(child.pid, SIGKILL);
  ::waitpid(child.pid, nullptr, 0);  // reaped: its pid no longer has a /proc entry
  Options options;
  options.connections = 1;
  const auto result = runConnScaleAgainst(options, child.pid, child.port);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound) << result.status();
}

}  // namespace
}  // namespace connscale
