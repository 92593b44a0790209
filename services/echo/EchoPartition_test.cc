// Issue 16's partition test: three real echo_server processes, each in a
// network namespace of its own behind a veth pair with its own address, and
// one ClusterChannel (list://, round robin) over them with a bounded number
// of calls in flight and a 300 ms deadline per call. Mid-run one namespace's
// link goes down: its packets are dropped both ways, with no RST, no FIN and
// no ICMP, so the client learns of it only as deadlines expiring.
//   1. A partition behaves like a crash from the client's side: the cut-off
//      server is ejected, calls move to the other two, and the only
//      failures are calls that were on it before the ejection (bounded by
//      the calls in flight, counted, each DEADLINE_EXCEEDED).
//   2. The link comes back: a probe gets through and the server takes its
//      share again.
// Needs root (to make namespaces); skips otherwise.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/TestUtil.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "rpc/cluster/ClusterChannel.h"
#include "rpc/naming/testing/ChildProcess.h"
#include "rpc/naming/testing/NetworkNamespace.h"
#include "services/echo/EchoStubRun.h"
#include "services/echo/echo.rpc.h"

namespace muduo::echo {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using rpc::cluster::ClusterChannel;
using rpc::naming::testing::NetworkNamespace;
namespace nstest = rpc::naming::testing;

constexpr auto kWait = 30s;
constexpr auto kDeadline = 300ms;
constexpr int kInFlight = 30;
constexpr int kFailuresToEject = 5;
constexpr uint16_t kPort = 9090;  // each namespace has its own ports

// Fewer calls under the sanitizers, which run each several times slower.
constexpr int kScale = muduo::test::kSanitized ? 5 : 1;

long long msSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// One echo_server process inside `ns`, listening on its address.
class EchoInNamespace {
 public:
  EchoInNamespace(const NetworkNamespace& ns, const std::string& dir)
      : address_(ns.address() + ":" + std::to_string(kPort)) {
    const std::string portFile = dir + "/port";
    process_ = std::make_unique<nstest::ChildProcess>(
        ns.exec({nstest::runfile("services/echo/echo_server"), "--bind=" + ns.address(),
                 "--port=" + std::to_string(kPort), "--port_file=" + portFile}),
        dir + "/server.log");
    started_ = nstest::waitForRpcPort(*process_, portFile, kWait) != 0;
    if (started_) return;
    ADD_FAILURE() << "echo_server did not start in " << ns.name() << ": " << process_->output();
  }
  [[nodiscard]] bool started() const { return started_; }
  [[nodiscard]] const std::string& address() const { return address_; }

 private:
  const std::string address_;
  std::unique_ptr<nstest::ChildProcess> process_;
  bool started_ = false;
};

class EchoPartitionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "not root: network namespaces need root";
    NetworkNamespace::deleteStale();
    for (int i = 0; i < 3; ++i) {
      auto ns = NetworkNamespace::create(i);
      if (!ns.ok()) GTEST_SKIP() << "cannot make a network namespace: " << ns.status();
      namespaces_.push_back(std::move(*ns));
    }
    loop_ = loopThread_.startLoop();
  }
  void TearDown() override {
    // The channel, then the servers, then their namespaces.
    channel_.reset();
    servers_.clear();
    namespaces_.clear();
  }

  std::map<std::string, int64_t> answered() {
    std::map<std::string, int64_t> out;
    for (const auto& e : channel_->endpoints()) out[e.address] = e.answered;
    return out;
  }
  bool ejected(const std::string& address) {
    for (const auto& e : channel_->endpoints()) {
      if (e.address == address) return e.ejected;
    }
    return false;
  }
  int outstanding(const std::string& address) {
    for (const auto& e : channel_->endpoints()) {
      if (e.address == address) return e.outstanding;
    }
    return -1;
  }

  std::vector<std::unique_ptr<NetworkNamespace>> namespaces_;
  std::vector<std::unique_ptr<EchoInNamespace>> servers_;
  net::EventLoopThread loopThread_;
  net::EventLoop* loop_ = nullptr;
  std::unique_ptr<ClusterChannel> channel_;
};

TEST_F(EchoPartitionTest,
       ACutOffServerIsEjectedLikeACrashedOneAndTakesTrafficAgainWhenTheLinkIsBack) {
  const std::string dir = nstest::makeTempDir("echo-partition-");
  std::string url = "list://";
  for (size_t i = 0; i < namespaces_.size(); ++i) {
    const std::string sub = dir + "/s" + std::to_string(i);
    ASSERT_EQ(::mkdir(sub.c_str(), 0700), 0);
    servers_.push_back(std::make_unique<EchoInNamespace>(*namespaces_[i], sub));
    ASSERT_TRUE(servers_.back()->started());
    url += (i == 0 ? "" : ",") + servers_.back()->address();
  }
  ClusterChannel::Options options;
  options.channel.defaultTimeout = kDeadline;
  options.failuresToEject = kFailuresToEject;
  auto channel = ClusterChannel::create(loop_, url, options);
  ASSERT_TRUE(channel.ok()) << channel.status();
  channel_ = std::move(*channel);
  EchoService::Stub stub(channel_.get());

  // A third each, over the veth links.
  const int phase = 3000 / kScale;
  {
    EchoStubRun run(&stub, loop_, phase, kInFlight);
    ASSERT_TRUE(run.go(kWait));
    ASSERT_EQ(run.ok(), phase) << run.failures().front();
    for (const auto& server : servers_) {
      EXPECT_GE(answered()[server->address()], phase / 3 - phase / 30) << server->address();
    }
  }

  // 1. Cut b off a quarter into the run, from the client's loop, noting
  // what the client had in flight on it then; watch for its ejection.
  const std::string cut = servers_[1]->address();
  const int total = 8000 / kScale;
  int inFlightAtCut = -1;
  Clock::time_point cutAt;
  long long ejectedAfterMs = -1;
  const int64_t ejectionsBefore = channel_->stats().ejections;
  {
    EchoStubRun run(&stub, loop_, total, kInFlight);
    run.onProgress = [&](int completed) {
      if (completed == total / 4) {
        inFlightAtCut = outstanding(cut);
        cutAt = Clock::now();
        ASSERT_TRUE(namespaces_[1]->cutOff().ok());
      } else if (inFlightAtCut >= 0 && ejectedAfterMs < 0 && ejected(cut)) {
        ejectedAfterMs = msSince(cutAt);
      }
    };
    ASSERT_TRUE(run.go(kWait));
    ASSERT_GE(inFlightAtCut, 0);
    const int failed = static_cast<int>(run.failures().size());
    // Each failure is a call that ran out of time on b: after the cut every
    // call round robin sends to b stays there until its deadline, so the
    // calls in flight pile up on b (at most all of them); the calls started
    // as the first kFailuresToEject - 1 of them expire may go to b too
    // before it is ejected; and if the run outlasts the ejection's back-off
    // while the link is still down, each probe fails and ejects b again.
    // Nothing else fails.
    for (const absl::Status& status : run.failures()) {
      EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
    }
    const int64_t ejections = channel_->stats().ejections - ejectionsBefore;
    EXPECT_GE(failed, 1);
    EXPECT_LE(failed, kInFlight + kFailuresToEject - 1 + (ejections - 1));
    EXPECT_EQ(run.ok() + failed, total);
    EXPECT_GE(ejectedAfterMs, 0) << "the cut-off server was never ejected";
    EXPECT_GE(ejections, 1);
    std::printf(
        "partition: %d calls in flight on the cut-off server at the cut, %d failed of %d "
        "(all DEADLINE_EXCEEDED); ejected %lld ms after the cut (deadline %lld ms); last "
        "failure %lld ms after the cut\n",
        inFlightAtCut, failed, total, ejectedAfterMs,
        static_cast<long long>(std::chrono::milliseconds(kDeadline).count()),
        static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(run.lastFailure() - cutAt)
                .count()));
  }

  // 2. The link comes back: once the ejection's back-off ends a probe goes
  // to b over the same connection, TCP retransmits what was stuck, and b
  // is back with a full share.
  ASSERT_TRUE(namespaces_[1]->restore().ok());
  const Clock::time_point restoredAt = Clock::now();
  const int64_t before = answered()[cut];
  int recoveryFailures = 0;
  while (Clock::now() < restoredAt + kWait && (answered()[cut] == before || ejected(cut))) {
    EchoStubRun run(&stub, loop_, 300 / kScale, kInFlight);
    ASSERT_TRUE(run.go(kWait));
    recoveryFailures += static_cast<int>(run.failures().size());
  }
  ASSERT_GT(answered()[cut], before) << "no call reached b after the link came back";
  ASSERT_FALSE(ejected(cut));
  std::printf(
      "link restored: b answered again and was back %lld ms later (%d calls failed "
      "meanwhile)\n",
      msSince(restoredAt), recoveryFailures);
  {
    const int64_t start = answered()[cut];
    EchoStubRun run(&stub, loop_, phase, kInFlight);
    ASSERT_TRUE(run.go(kWait));
    EXPECT_EQ(run.ok(), phase);
    EXPECT_GE(answered()[cut] - start, phase / 3 - phase / 30) << "b's full share";
  }
  std::printf("%s\n", channel_->stats().toString().c_str());
}

}  // namespace
}  // namespace muduo::echo
