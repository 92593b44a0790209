// The real echo_server with --register, against a real ZooKeeper: it appears
// in a zk:// resolver's list while it serves; SIGKILLed, it leaves the list
// within its session timeout; stopped gracefully, it deregisters (and exits
// 0) instead of waiting for its session to expire.
#include <signal.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "rpc/naming/testing/ChildProcess.h"
#include "rpc/naming/testing/ResolverProbe.h"
#include "rpc/naming/testing/ZooKeeperTest.h"

namespace muduo::rpc::naming {
namespace {

using testing::ResolverProbe;

class EchoServerRegistrationTest : public testing::ZooKeeperTest {
 protected:
  void SetUp() override { dir_ = testing::makeTempDir("echo-registration-"); }

  // Starts an echo_server registered at `path` with `sessionMs`, and returns
  // its port once it serves.
  uint16_t startServer(const std::string& path, int sessionMs) {
    const std::string portFile = dir_ + "/port";
    server_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{testing::runfile("services/echo/echo_server"), "--port=0",
                                 "--port_file=" + portFile,
                                 "--register=zk://" + zk_->connectString() + path +
                                     "?session_timeout_ms=" + std::to_string(sessionMs),
                                 "--register_weight=7"},
        dir_ + "/server.log");
    if (const uint16_t port = testing::waitForRpcPort(*server_, portFile, testing::kWait)) {
      return port;
    }
    ADD_FAILURE() << "echo_server did not start: " << server_->output();
    return 0;
  }

  std::string dir_;
  std::unique_ptr<testing::ChildProcess> server_;
};

TEST_F(EchoServerRegistrationTest, AKilledServerLeavesTheListWithinItsSessionTimeout) {
  constexpr int kSessionMs = 2000;
  const uint16_t port = startServer("/services/echo", kSessionMs);
  ASSERT_NE(port, 0);
  ResolverProbe probe("zk://" + zk_->connectString() + "/services/echo");
  ASSERT_TRUE(probe.waitForPorts({port})) << server_->output();
  EXPECT_EQ(probe.pushed().last()->front().weight, 7u);

  const auto killed = std::chrono::steady_clock::now();
  server_->signal(SIGKILL);
  ASSERT_TRUE(probe.waitForPorts({}));
  const auto gone = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - killed);
  std::printf("a SIGKILLed server left the list after %lld ms (session timeout %d ms)\n",
              static_cast<long long>(gone.count()), kSessionMs);
  // ZooKeeper checks sessions once a tick (500 ms here); allow that and the
  // watch's round trip, generously, for a loaded machine.
  EXPECT_LT(gone.count(), kSessionMs + 3000);
}

TEST_F(EchoServerRegistrationTest, AGracefulStopDeregistersInsteadOfWaitingForExpiry) {
  // A session far longer than the test: only deregistration (or the
  // process closing its session) can take the node away this soon.
  const uint16_t port = startServer("/services/echo2", 60000);
  ASSERT_NE(port, 0);
  ResolverProbe probe("zk://" + zk_->connectString() + "/services/echo2");
  ASSERT_TRUE(probe.waitForPorts({port})) << server_->output();

  server_->signal(SIGTERM);
  ASSERT_TRUE(probe.waitForPorts({}));
  EXPECT_EQ(server_->wait(std::chrono::seconds(20)), 0);
  const std::string log = server_->output();
  const size_t deregistered = log.find("deregistered /services/echo2/endpoint-");
  EXPECT_NE(deregistered, std::string::npos) << log;
  // The order: the signal, then deregistration, then the drain.
  EXPECT_LT(log.find("shutting down"), deregistered) << log;
}

}  // namespace
}  // namespace muduo::rpc::naming
