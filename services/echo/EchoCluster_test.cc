// Issue 16's end-to-end test: three real echo_server processes register in a
// real ZooKeeper; one ClusterChannel over zk:// drives them through the
// generated EchoService::Stub (the same stub as over one RpcChannel).
//   1. Round robin gives each a third of the calls.
//   2. One is SIGKILLed mid-run: its node leaves the list within the session
//      timeout, the calls move to the other two, and the only failures are
//      calls the client had in flight on it.
//   3. It restarts (a new process, a new port) and gets its share again.
//   4. ZooKeeper itself stops and restarts mid-run: calls keep flowing on
//      the last known list.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/TestUtil.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "rpc/cluster/ClusterChannel.h"
#include "rpc/naming/testing/ChildProcess.h"
#include "rpc/naming/testing/ZooKeeperServer.h"
#include "services/echo/EchoStubRun.h"
#include "services/echo/echo.rpc.h"

namespace muduo::echo {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using rpc::cluster::ClusterChannel;
namespace zktest = rpc::naming::testing;

constexpr auto kWait = 30s;
constexpr int kSessionMs = 2000;
constexpr char kPath[] = "/services/echo-cluster";

// Fewer calls under the sanitizers, which run each several times slower.
constexpr int kScale = muduo::test::kSanitized ? 5 : 1;

// One echo_server process registered under kPath.
class EchoProcess {
 public:
  EchoProcess(const zktest::ZooKeeperServer& zk, const std::string& dir) {
    const std::string portFile = dir + "/port";
    std::remove(portFile.c_str());
    process_ = std::make_unique<zktest::ChildProcess>(
        std::vector<std::string>{zktest::runfile("services/echo/echo_server"), "--port=0",
                                 "--port_file=" + portFile,
                                 "--register=zk://" + zk.connectString() + kPath +
                                     "?session_timeout_ms=" + std::to_string(kSessionMs)},
        dir + "/server.log");
    port_ = zktest::waitForRpcPort(*process_, portFile, kWait);
    if (port_ != 0) return;
    ADD_FAILURE() << "echo_server did not start: " << process_->output();
  }
  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void kill() { process_->signal(SIGKILL); }

 private:
  std::unique_ptr<zktest::ChildProcess> process_;
  uint16_t port_ = 0;
};

class EchoClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(zk_.start().ok()) << zk_.output();
    loop_ = loopThread_.startLoop();
  }
  void TearDown() override { channel_.reset(); }

  // Calls answered per endpoint address, as the channel counts them.
  std::map<std::string, int64_t> answered() {
    std::map<std::string, int64_t> out;
    for (const auto& e : channel_->endpoints()) out[e.address] = e.answered;
    return out;
  }
  bool waitForEndpoints(const std::function<bool(const std::vector<std::string>&)>& ready) {
    const auto deadline = Clock::now() + kWait;
    while (Clock::now() < deadline) {
      std::vector<std::string> addresses;
      for (const auto& e : channel_->endpoints()) addresses.push_back(e.address);
      if (ready(addresses)) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  zktest::ZooKeeperServer zk_;
  net::EventLoopThread loopThread_;
  net::EventLoop* loop_ = nullptr;
  std::unique_ptr<ClusterChannel> channel_;
};

TEST_F(EchoClusterTest, CallsSpreadOverThreeRegisteredServersAndRouteAroundAKilledOne) {
  const std::string dir = zktest::makeTempDir("echo-cluster-");
  std::vector<std::unique_ptr<EchoProcess>> servers;
  for (int i = 0; i < 3; ++i) {
    const std::string sub = dir + "/s" + std::to_string(i);
    ASSERT_EQ(::mkdir(sub.c_str(), 0700), 0);
    servers.push_back(std::make_unique<EchoProcess>(zk_, sub));
    ASSERT_NE(servers.back()->port(), 0);
  }
  auto channel = ClusterChannel::create(loop_, "zk://" + zk_.connectString() + kPath,
                                        ClusterChannel::Options());
  ASSERT_TRUE(channel.ok()) << channel.status();
  channel_ = std::move(*channel);
  EchoService::Stub stub(channel_.get());
  ASSERT_TRUE(waitForEndpoints([](const auto& a) { return a.size() == 3; }));

  // 1. A third each.
  const int phase = 9000 / kScale;
  {
    EchoStubRun run(&stub, loop_, phase, 30);
    ASSERT_TRUE(run.go(kWait));
    ASSERT_EQ(run.ok(), phase) << run.failures().front();
    for (const auto& server : servers) {
      const int64_t share = answered()[server->address()];
      EXPECT_GE(share, phase / 3 - phase / 30) << server->address();
      EXPECT_LE(share, phase / 3 + phase / 30) << server->address();
    }
  }

  // 2. Kill b a quarter into the run, from the client's loop, noting what
  // the client had in flight on it at that moment.
  const std::string killed = servers[1]->address();
  int inFlightOnKilled = -1;
  Clock::time_point killedAt;
  {
    EchoStubRun run(&stub, loop_, 12000 / kScale, 30);
    run.onProgress = [&](int completed) {
      if (completed != 12000 / kScale / 4) return;
      for (const auto& e : channel_->endpoints()) {
        if (e.address == killed) inFlightOnKilled = e.outstanding;
      }
      killedAt = Clock::now();
      servers[1]->kill();
    };
    ASSERT_TRUE(run.go(kWait));
    const int failed = static_cast<int>(run.failures().size());
    // Every failure is a call that was on the killed server: its connection
    // is the one named. SIGKILL takes a few milliseconds to close the
    // process's sockets, and calls sent to it meanwhile are in flight on it
    // too, so the count is bounded by the calls in flight at all (30), not
    // by what was outstanding when the signal was sent.
    for (const absl::Status& status : run.failures()) {
      EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
      EXPECT_NE(status.message().find(killed), std::string::npos) << status;
    }
    EXPECT_LE(failed, 30);
    std::printf(
        "SIGKILL: %d calls in flight on the killed server when signalled, %d failed of %d\n",
        inFlightOnKilled, failed, 12000 / kScale);
  }
  ASSERT_TRUE(waitForEndpoints([&](const auto& a) {
    return a.size() == 2 && std::find(a.begin(), a.end(), killed) == a.end();
  }));
  const auto gone = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killedAt);
  std::printf("its node left the list %lld ms after the kill (session timeout %d ms)\n",
              static_cast<long long>(gone.count()), kSessionMs);
  EXPECT_LT(gone.count(), kSessionMs + 3000);

  // 3. It restarts (a new port) and takes its share again.
  const std::string sub = dir + "/s3";
  ASSERT_EQ(::mkdir(sub.c_str(), 0700), 0);
  servers[1] = std::make_unique<EchoProcess>(zk_, sub);
  const std::string restarted = servers[1]->address();
  ASSERT_TRUE(waitForEndpoints([](const auto& a) { return a.size() == 3; }));
  {
    const int64_t before = answered()[restarted];
    EchoStubRun run(&stub, loop_, phase, 30);
    ASSERT_TRUE(run.go(kWait));
    EXPECT_EQ(run.ok(), phase);
    EXPECT_GE(answered()[restarted] - before, phase / 3 - phase / 30);
  }

  // 4. ZooKeeper goes away mid-run and comes back: calls keep flowing.
  {
    EchoStubRun run(&stub, loop_, 6000 / kScale, 30);
    std::thread outage([&] {
      zk_.stop();
      std::this_thread::sleep_for(300ms);
      EXPECT_TRUE(zk_.restart().ok());
    });
    ASSERT_TRUE(run.go(kWait));
    outage.join();
    EXPECT_EQ(run.ok(), 6000 / kScale);
    EXPECT_TRUE(run.failures().empty()) << run.failures().front();
  }
  EchoStubRun after(&stub, loop_, 3000 / kScale, 30);
  ASSERT_TRUE(after.go(kWait));
  EXPECT_EQ(after.ok(), 3000 / kScale) << "after ZooKeeper's restart";
  std::printf("%s\n", channel_->stats().toString().c_str());
}

}  // namespace
}  // namespace muduo::echo
