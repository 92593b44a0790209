#include "rpc/cluster/ClusterChannel.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/TestUtil.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "rpc/RpcChannel.h"
#include "rpc/compiler/testdata/test.rpc.h"
#include "rpc/testing/RefusingPort.h"
#include "rpc/testing/TestServer.h"
#include "rpc/testing/TestService.h"
#include "rpc/testing/test_messages.pb.h"

namespace muduo::rpc::cluster {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::EchoRequest;
using testing::EchoResponse;
using testing::RefusingPort;
using testing::TestServer;
using testing::TestService;

constexpr std::chrono::seconds kWait{20};

// Fewer calls under the sanitizers, which run each several times slower.
constexpr int kScale = muduo::test::kSanitized ? 3 : 1;

// The same stub type works over one server or many.
static_assert(std::is_constructible_v<test::TestService::Stub, ClusterChannel*>);
static_assert(std::is_constructible_v<test::TestService::Stub, RpcChannel*>);

// A resolver whose lists the test pushes.
class TestResolver final : public naming::Resolver {
 public:
  void start(net::EventLoop* loop, Listener listener) override {
    loop_ = loop;
    listener_ = std::move(listener);
    started_.countDown();
  }
  void stop() override { stopped_ = true; }

  // Delivers `list` in the loop and returns after it was handled. Any thread.
  void push(const absl::StatusOr<naming::EndpointList>& list) {
    ASSERT_TRUE(started_.waitFor(kWait));
    if (loop_->isInLoopThread()) {
      if (!stopped_) listener_(list);
      return;
    }
    CountDownLatch done(1);
    loop_->runInLoop([&] {
      if (!stopped_) listener_(list);
      done.countDown();
    });
    ASSERT_TRUE(done.waitFor(kWait));
  }

 private:
  CountDownLatch started_{1};
  net::EventLoop* loop_ = nullptr;
  Listener listener_;
  bool stopped_ = false;  // loop thread
};

naming::Endpoint endpoint(const net::InetAddress& address, uint32_t weight = 1) {
  return naming::Endpoint{address, weight, {}};
}

EchoRequest echo(const std::string& text, int delayMs = 0) {
  EchoRequest request;
  request.set_text(text);
  request.set_delay_ms(delayMs);
  return request;
}

// Runs `total` Echo calls, `concurrency` at a time, from the channel's
// loop; `onProgress(completed)` runs in the loop after each completion.
class CallRun {
 public:
  CallRun(ClusterChannel* channel, int total, int concurrency, EchoRequest request,
          CallOptions options = {})
      : channel_(channel),
        total_(total),
        concurrency_(concurrency),
        request_(std::move(request)),
        options_(options) {}

  std::function<void(int completed)> onProgress;

  // Blocks until every call completed; false on timeout.
  bool go() {
    channel_->loop()->runInLoop([this] {
      for (int i = 0; i < concurrency_ && started_ < total_; ++i) startOne();
    });
    return done_.waitFor(kWait);
  }
  int ok() const { return ok_; }
  const std::vector<absl::Status>& failures() const { return failures_; }

 private:
  void startOne() {
    ++started_;
    channel_->startCall(
        TestService::kName, "Echo", request_,
        [this](absl::Status status, std::string_view) {
          if (status.ok()) {
            ++ok_;
          } else {
            failures_.push_back(status);
          }
          const int completed = ok_ + static_cast<int>(failures_.size());
          if (onProgress) onProgress(completed);
          if (started_ < total_) startOne();
          if (completed == total_) done_.countDown();
        },
        options_);
  }

  ClusterChannel* const channel_;
  const int total_;
  const int concurrency_;
  const EchoRequest request_;
  const CallOptions options_;
  // Loop thread until done_.
  int started_ = 0;
  int ok_ = 0;
  std::vector<absl::Status> failures_;
  CountDownLatch done_{1};
};

class ClusterChannelTest : public ::testing::Test {
 protected:
  void SetUp() override { loop_ = thread_.startLoop(); }
  void TearDown() override { channel_.reset(); }

  // A channel over a TestResolver the test pushes lists to.
  void makeChannel(ClusterChannel::Options options = {}) {
    auto resolver = std::make_unique<TestResolver>();
    resolver_ = resolver.get();
    options.seed = 7;
    channel_ = std::make_unique<ClusterChannel>(loop_, std::move(resolver), options, "test");
  }

  absl::Status call(const std::string& text, CallOptions options = {}) {
    EchoResponse response;
    return channel_->blockingCall(TestService::kName, "Echo", echo(text), &response, options);
  }

  net::EventLoopThread thread_;
  net::EventLoop* loop_ = nullptr;
  TestResolver* resolver_ = nullptr;
  std::unique_ptr<ClusterChannel> channel_;
};

TEST_F(ClusterChannelTest, RoundRobinGivesThreeServersEqualSharesOfRealCalls) {
  TestServer a, b, c;
  makeChannel();
  resolver_->push(
      naming::EndpointList{endpoint(a.address()), endpoint(b.address()), endpoint(c.address())});
  CallRun run(channel_.get(), 3000, 10, echo("rr"));
  ASSERT_TRUE(run.go());
  EXPECT_EQ(run.ok(), 3000);
  EXPECT_EQ(a.service().echoAnswered(), 1000);
  EXPECT_EQ(b.service().echoAnswered(), 1000);
  EXPECT_EQ(c.service().echoAnswered(), 1000);
}

TEST_F(ClusterChannelTest, WeightedRoundRobinGivesThreeToOneToOneSharesOfRealCalls) {
  TestServer a, b, c;
  ClusterChannel::Options options;
  options.policy = Policy::kWeightedRoundRobin;
  makeChannel(options);
  resolver_->push(naming::EndpointList{endpoint(a.address(), 3), endpoint(b.address(), 1),
                                       endpoint(c.address(), 1)});
  CallRun run(channel_.get(), 5000, 10, echo("wrr"));
  ASSERT_TRUE(run.go());
  EXPECT_EQ(run.ok(), 5000);
  EXPECT_EQ(a.service().echoAnswered(), 3000);
  EXPECT_EQ(b.service().echoAnswered(), 1000);
  EXPECT_EQ(c.service().echoAnswered(), 1000);
}

TEST_F(ClusterChannelTest, RandomSharesEvenlyAndPowerOfTwoReachesEveryServer) {
  for (Policy policy : {Policy::kPowerOfTwo, Policy::kRandom}) {
    TestServer a, b, c;
    ClusterChannel::Options options;
    options.policy = policy;
    makeChannel(options);
    resolver_->push(
        naming::EndpointList{endpoint(a.address()), endpoint(b.address()), endpoint(c.address())});
    CallRun run(channel_.get(), 3000, 10, echo("p2c"));
    ASSERT_TRUE(run.go());
    EXPECT_EQ(run.ok(), 3000);
    for (TestServer* s : {&a, &b, &c}) {
      if (policy == Policy::kRandom) {
        EXPECT_GT(s->service().echoAnswered(), 800);
        EXPECT_LT(s->service().echoAnswered(), 1200);
      } else {
        // Power of two follows load: a server the scheduler slows (as the
        // sanitizers do) rightly gets less, but never nothing.
        EXPECT_GT(s->service().echoAnswered(), 30);
      }
    }
    channel_.reset();
  }
}

TEST_F(ClusterChannelTest, CallsMadeBeforeTheFirstListWaitForItWithinTheirDeadlines) {
  TestServer a;
  makeChannel();
  CountDownLatch done(1);
  absl::Status status = absl::UnknownError("not run");
  channel_->startCall(TestService::kName, "Echo", echo("early"), [&](absl::Status s, auto) {
    status = std::move(s);
    done.countDown();
  });
  CallOptions brief;
  brief.timeout = 100ms;
  EXPECT_EQ(call("too early", brief).code(), absl::StatusCode::kDeadlineExceeded);
  resolver_->push(naming::EndpointList{endpoint(a.address())});
  ASSERT_TRUE(done.waitFor(kWait));
  EXPECT_TRUE(status.ok()) << status;
}

TEST_F(ClusterChannelTest, CallsBeforeAnyListFailWithUnavailableNamingTheResolversError) {
  makeChannel();
  CountDownLatch done(1);
  absl::Status status;
  channel_->startCall(TestService::kName, "Echo", echo("early"), [&](absl::Status s, auto) {
    status = std::move(s);
    done.countDown();
  });
  resolver_->push(absl::UnavailableError("zookeeper at 127.0.0.1:1 is down"));
  ASSERT_TRUE(done.waitFor(kWait));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("zookeeper at 127.0.0.1:1 is down"), std::string::npos) << status;
  const absl::Status later = call("later");
  EXPECT_EQ(later.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(later.message().find("is down"), std::string::npos) << later;
}

TEST_F(ClusterChannelTest, AServerStoppedMidRunFailsOnlyTheCallsItHadInFlightThenGetsTrafficAgain) {
  auto a = std::make_unique<TestServer>();
  auto b = std::make_unique<TestServer>();
  auto c = std::make_unique<TestServer>();
  const net::InetAddress bAddress = b->address();
  makeChannel();
  resolver_->push(
      naming::EndpointList{endpoint(a->address()), endpoint(bAddress), endpoint(c->address())});
  const int total = 3000 / kScale;
  // Answers come 5 ms late, so several calls are in flight on each server.
  CallRun run(channel_.get(), total, 15, echo("x", 5));
  int64_t serverInFlight = -1;
  int clientOutstanding = -1;
  run.onProgress = [&](int completed) {
    if (completed != total / 3) return;
    // In the client's loop: nothing new goes to b while it stops.
    for (const auto& e : channel_->endpoints()) {
      if (e.address == bAddress.toIpPort()) clientOutstanding = e.outstanding;
    }
    serverInFlight = b->stop();
  };
  ASSERT_TRUE(run.go());
  ASSERT_GE(serverInFlight, 0);
  const int failed = static_cast<int>(run.failures().size());
  for (const absl::Status& status : run.failures()) {
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    EXPECT_FALSE(RpcChannel::neverReachedServer(status)) << "such a call is retried: " << status;
  }
  // Every call b had taken fails, and only calls that were on b fail (their
  // status names b's connection). Calls sent to b after it stopped but
  // before the client's loop read the close (the rest of the handler that
  // stopped it, and completions already polled in the same loop iteration)
  // fail too, so the client's count at the stop is not an upper bound; the
  // calls in flight at all (15) are.
  for (const absl::Status& status : run.failures()) {
    EXPECT_NE(status.message().find(bAddress.toIpPort()), std::string::npos) << status;
  }
  EXPECT_GE(failed, serverInFlight);
  EXPECT_LE(failed, 15);
  EXPECT_EQ(run.ok() + failed, total);
  std::printf("b had %lld calls in flight, the client %d; %d failed of %d\n",
              static_cast<long long>(serverInFlight), clientOutstanding, failed, total);

  // b comes back on its address; it gets calls again once reconnected and,
  // if it was ejected, probed back.
  b = std::make_unique<TestServer>(RpcServer::Options(), bAddress.port());
  const auto deadline = Clock::now() + kWait;
  while (b->service().echoAnswered() == 0 && Clock::now() < deadline) {
    ASSERT_TRUE(call("again").ok());
  }
  EXPECT_GT(b->service().echoAnswered(), 0);
}

TEST_F(ClusterChannelTest, AnEndpointThatRefusesConnectionsIsEjectedThenProbedBackWhenItListens) {
  TestServer a, c;
  RefusingPort refusing;
  const net::InetAddress bAddress = refusing.address();
  ClusterChannel::Options options;
  options.failuresToEject = 2;
  options.baseEjection = 50ms;
  options.maxEjection = 200ms;
  makeChannel(options);
  resolver_->push(
      naming::EndpointList{endpoint(a.address()), endpoint(bAddress), endpoint(c.address())});
  for (int i = 0; i < 300 / kScale; ++i) ASSERT_TRUE(call("around b").ok());
  const ClusterChannel::Stats stats = channel_->stats();
  EXPECT_GE(stats.ejections, 1);
  EXPECT_GE(stats.retries, 2) << "b's refusals were retried on a or c";
  EXPECT_EQ(stats.failed, 0);
  // While ejected b saw a probe per back-off, not a third of the calls.
  EXPECT_LT(stats.retries, 100 / kScale);

  refusing.release();
  TestServer b(RpcServer::Options(), bAddress.port());
  const auto deadline = Clock::now() + kWait;
  while (b.service().echoAnswered() == 0 && Clock::now() < deadline) {
    ASSERT_TRUE(call("probe").ok());
  }
  ASSERT_GT(b.service().echoAnswered(), 0) << "the probe got through";
  const int64_t before = b.service().echoAnswered();
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(call("full traffic").ok());
  EXPECT_GE(b.service().echoAnswered() - before, 90) << "back to a full share";
  for (const auto& e : channel_->endpoints()) EXPECT_FALSE(e.ejected) << e.address;
}

TEST_F(ClusterChannelTest, ASilentServerIsEjectedAfterConsecutiveDeadlinesThenProbedBack) {
  // A partitioned server neither answers nor closes: no RST, no FIN, only
  // deadlines expire. a's Block handlers wait at its closed gate; b and c
  // answer at once.
  RpcServer::Options pool;
  pool.workerThreads = 2;
  TestServer a(pool), b(pool), c(pool);
  b.service().openGate();
  c.service().openGate();
  ClusterChannel::Options options;
  options.failuresToEject = 3;
  options.baseEjection = 100ms;
  options.maxEjection = 100ms;
  makeChannel(options);
  resolver_->push(
      naming::EndpointList{endpoint(a.address()), endpoint(b.address()), endpoint(c.address())});
  CallOptions shortDeadline;
  shortDeadline.timeout = 50ms;
  const int calls = 60;
  int failed = 0;
  for (int i = 0; i < calls; ++i) {
    EchoResponse response;
    const absl::Status status =
        channel_->blockingCall(TestService::kName, "Block", echo("s"), &response, shortDeadline);
    if (!status.ok()) {
      EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
      ++failed;
    }
  }
  // Without counting deadlines a took a third of the calls and failed each.
  // Ejected after 3 in a row, it fails those and one probe per back-off
  // (100 ms; the run lasts about calls x the answer time plus the failures'
  // 50 ms each).
  EXPECT_GE(channel_->stats().ejections, 1);
  EXPECT_LT(failed, calls / 3) << "a silent server kept a full share";
  std::printf("%d of %d calls failed on the silent server\n", failed, calls);

  // a answers again: a probe gets through and a is back.
  a.service().openGate();
  const auto deadline = Clock::now() + kWait;
  bool back = false;
  while (!back && Clock::now() < deadline) {
    EchoResponse response;
    (void)channel_->blockingCall(TestService::kName, "Block", echo("s"), &response, shortDeadline);
    back = true;
    for (const auto& e : channel_->endpoints()) back = back && !e.ejected;
  }
  EXPECT_TRUE(back) << "a was probed back";
}

// Which of `servers` answered one call with `key`.
int ownerOf(ClusterChannel* channel, const std::vector<TestServer*>& servers, uint64_t key) {
  std::vector<int64_t> before;
  for (TestServer* s : servers) before.push_back(s->service().echoAnswered());
  CallOptions options;
  options.requestKey = key;
  EchoResponse response;
  EXPECT_TRUE(
      channel->blockingCall(TestService::kName, "Echo", echo("k"), &response, options).ok());
  for (size_t i = 0; i < servers.size(); ++i) {
    if (servers[i]->service().echoAnswered() != before[i]) return static_cast<int>(i);
  }
  return -1;
}

TEST_F(ClusterChannelTest, ConsistentHashingMovesAQuarterOfTheKeysToAFourthServerAndNoMore) {
  TestServer a, b, c, d;
  ClusterChannel::Options options;
  options.policy = Policy::kConsistentHash;
  makeChannel(options);
  const std::vector<TestServer*> servers = {&a, &b, &c, &d};
  resolver_->push(
      naming::EndpointList{endpoint(a.address()), endpoint(b.address()), endpoint(c.address())});
  const int keys = 600 / kScale;
  std::vector<int> three, four, back;
  for (int k = 0; k < keys; ++k) three.push_back(ownerOf(channel_.get(), servers, k));
  resolver_->push(naming::EndpointList{endpoint(a.address()), endpoint(b.address()),
                                       endpoint(c.address()), endpoint(d.address())});
  for (int k = 0; k < keys; ++k) four.push_back(ownerOf(channel_.get(), servers, k));
  int moved = 0;
  for (int k = 0; k < keys; ++k) {
    EXPECT_GE(three[k], 0);
    if (three[k] != four[k]) {
      ++moved;
      EXPECT_EQ(four[k], 3) << "key " << k << " moved between old servers";
    }
  }
  EXPECT_GE(moved, keys * 15 / 100);
  EXPECT_LE(moved, keys * 35 / 100);
  // Removing c moves c's keys only.
  resolver_->push(
      naming::EndpointList{endpoint(a.address()), endpoint(b.address()), endpoint(d.address())});
  for (int k = 0; k < keys; ++k) {
    const int owner = ownerOf(channel_.get(), servers, k);
    if (four[k] != 2) {
      EXPECT_EQ(owner, four[k]) << "key " << k;
    }
    EXPECT_NE(owner, 2);
  }
}

TEST_F(ClusterChannelTest, ACallThatReachedAServerIsNeverResent) {
  TestServer a, b;
  makeChannel();
  resolver_->push(naming::EndpointList{endpoint(a.address()), endpoint(b.address())});
  CountDownLatch done(1);
  absl::Status status;
  CallOptions options;
  options.timeout = 10s;
  channel_->startCall(
      TestService::kName, "Hold", echo("held"),
      [&](absl::Status s, auto) {
        status = std::move(s);
        done.countDown();
      },
      options);
  ASSERT_TRUE(a.service().waitForHeld(1, kWait));  // round robin starts at a
  a.stop();
  ASSERT_TRUE(done.waitFor(kWait));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_EQ(b.service().callsReceived(), 0) << "the held call ran on a; sending it to b "
                                               "could run it twice";
  EXPECT_EQ(channel_->stats().retries, 0);
}

TEST_F(ClusterChannelTest, ACallThatNeverReachedAServerRunsOnceOnAnother) {
  RefusingPort refusing;
  TestServer b;
  makeChannel();
  resolver_->push(naming::EndpointList{endpoint(refusing.address()), endpoint(b.address())});
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(call("once").ok());
  EXPECT_EQ(b.service().callsReceived(), 20) << "each call ran exactly once";
  EXPECT_GE(channel_->stats().retries, 1);
}

TEST_F(ClusterChannelTest, ABackupRequestWinsWhenTheFirstServerStalls) {
  RpcServer::Options pool;
  pool.workerThreads = 2;
  TestServer a(pool), b(pool);
  b.service().openGate();  // b answers Block at once; a blocks until the end
  makeChannel();
  resolver_->push(naming::EndpointList{endpoint(a.address()), endpoint(b.address())});
  CallOptions options;
  options.timeout = 10s;
  options.backupDelay = 50ms;
  EchoResponse response;
  const auto start = Clock::now();
  const absl::Status status =
      channel_->blockingCall(TestService::kName, "Block", echo("hedged"), &response, options);
  const auto elapsed = Clock::now() - start;
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(response.text(), "hedged");
  EXPECT_GE(elapsed, 50ms);
  EXPECT_LT(elapsed, 5s);
  const ClusterChannel::Stats stats = channel_->stats();
  EXPECT_EQ(stats.backups, 1);
  EXPECT_EQ(stats.backupWins, 1);
  EXPECT_TRUE(a.service().waitForBlocked(1, kWait)) << "the first copy went to a";
  a.service().openGate();
}

TEST_F(ClusterChannelTest, PinnedCallsLandOnlyOnTheNamedEndpointAndAreNeverHedged) {
  TestServer a, b, c;
  makeChannel();
  resolver_->push(
      naming::EndpointList{endpoint(a.address()), endpoint(b.address()), endpoint(c.address())});
  CallOptions pinned;
  pinned.endpoint = b.address().toIpPort();
  pinned.backupDelay = 1ms;  // would hedge every call if pinning allowed it
  CallRun run(channel_.get(), 300, 10, echo("pinned", /*delayMs=*/2), pinned);
  ASSERT_TRUE(run.go());
  EXPECT_EQ(run.ok(), 300);
  EXPECT_EQ(b.service().echoAnswered(), 300);
  EXPECT_EQ(a.service().callsReceived(), 0);
  EXPECT_EQ(c.service().callsReceived(), 0);
  EXPECT_EQ(channel_->stats().backups, 0);
}

TEST_F(ClusterChannelTest, APinnedCallToADownEndpointFailsFastWithUnavailableAndMovesNowhere) {
  RefusingPort refusing;
  TestServer b;
  makeChannel();
  resolver_->push(naming::EndpointList{endpoint(refusing.address()), endpoint(b.address())});
  CallOptions pinned;
  pinned.endpoint = refusing.address().toIpPort();
  pinned.timeout = 10s;
  // Past the ejection threshold too: an ejected endpoint still takes its
  // pinned calls (and fails them fast) rather than passing them on.
  for (int i = 0; i < 10; ++i) {
    const auto start = Clock::now();
    const absl::Status status = call("pinned", pinned);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    EXPECT_LT(Clock::now() - start, 5s) << "fails fast, not at the 10 s deadline";
  }
  EXPECT_EQ(b.service().callsReceived(), 0) << "another endpoint does not serve the key";
  EXPECT_EQ(channel_->stats().retries, 0);
  // The endpoint's own fail-fast and reconnect still hold: once it
  // listens, its pinned calls get through.
  refusing.release();
  TestServer back(RpcServer::Options(), refusing.address().port());
  bool served = false;
  for (int i = 0; i < 200 && !served; ++i) {
    served = call("back", pinned).ok();
    if (!served) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(served);
  EXPECT_EQ(b.service().callsReceived(), 0);
}

TEST_F(ClusterChannelTest, APinnedCallNamingAnEndpointNotInTheListFailsAtOnce) {
  TestServer a;
  makeChannel();
  resolver_->push(naming::EndpointList{endpoint(a.address())});
  CallOptions pinned;
  pinned.endpoint = "127.0.0.1:1";
  pinned.timeout = 10s;
  const absl::Status status = call("nowhere", pinned);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_NE(status.message().find("127.0.0.1:1 is not among"), std::string::npos) << status;
  EXPECT_EQ(a.service().callsReceived(), 0);
}

TEST_F(ClusterChannelTest, TheRetryBudgetCapsAttemptsDuringAFullOutage) {
  RefusingPort x, y, z;
  makeChannel();
  resolver_->push(
      naming::EndpointList{endpoint(x.address()), endpoint(y.address()), endpoint(z.address())});
  const int calls = 300 / kScale;
  for (int i = 0; i < calls; ++i) {
    EXPECT_EQ(call("down").code(), absl::StatusCode::kUnavailable);
  }
  const ClusterChannel::Stats stats = channel_->stats();
  // Without a budget: 3 attempts a call. With it: about maxTokens / 2.
  EXPECT_LE(stats.retries, 6);
  EXPECT_GE(stats.retriesDenied, calls - 6);
  EXPECT_EQ(stats.failed, calls);
}

TEST_F(ClusterChannelTest, EndpointsAddedAndRemovedMidRunLoseNoCall) {
  TestServer a, b;
  makeChannel();
  resolver_->push(naming::EndpointList{endpoint(a.address())});
  const int total = 2000 / kScale;
  CallRun run(channel_.get(), total, 10, echo("moving", 1));
  int64_t aAtRemoval = -1;
  run.onProgress = [&](int completed) {
    if (completed == total / 4) {
      resolver_->push(naming::EndpointList{endpoint(a.address()), endpoint(b.address())});
    } else if (completed == total / 2) {
      resolver_->push(naming::EndpointList{endpoint(b.address())});
      aAtRemoval = a.service().callsReceived();
    }
  };
  ASSERT_TRUE(run.go());
  EXPECT_EQ(run.ok(), total);
  EXPECT_TRUE(run.failures().empty()) << run.failures().front();
  EXPECT_GT(b.service().echoAnswered(), total / 2 - 10);
  EXPECT_EQ(a.service().echoAnswered() + b.service().echoAnswered(), total);
  // a's calls in flight at its removal finished there; nothing new went to it.
  EXPECT_LE(a.service().callsReceived() - aAtRemoval, 10);
}

TEST_F(ClusterChannelTest, AStreamRunsOnOneEndpoint) {
  TestServer a, b;
  makeChannel();
  resolver_->push(naming::EndpointList{endpoint(a.address()), endpoint(b.address())});
  EchoRequest request = echo("s");
  request.set_count(5);
  std::atomic<int> messages{0};
  CountDownLatch done(1);
  absl::Status status;
  channel_->startStream(
      TestService::kName, "Stream", request, [&](std::string_view) { ++messages; },
      [&](absl::Status s, auto) {
        status = std::move(s);
        done.countDown();
      });
  ASSERT_TRUE(done.waitFor(kWait));
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(messages.load(), 5);
  EXPECT_EQ(a.service().callsReceived() + b.service().callsReceived(), 1);
}

TEST_F(ClusterChannelTest, ABadUrlIsRefusedWithTheReason) {
  auto bad = ClusterChannel::create(loop_, "nope://x", {});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  TestServer a;
  auto good = ClusterChannel::create(loop_, "list://" + a.address().toIpPort(), {});
  ASSERT_TRUE(good.ok()) << good.status();
  EchoResponse response;
  EXPECT_TRUE((*good)->blockingCall(TestService::kName, "Echo", echo("url"), &response, {}).ok());
}

}  // namespace
}  // namespace muduo::rpc::cluster
