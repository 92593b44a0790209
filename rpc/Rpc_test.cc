// End-to-end tests of the RPC runtime: RpcServer and RpcChannel over
// loopback TCP, with a hand-written TestService standing in for generated
// code. The server runs in one EventLoopThread, channels in another; every
// wait is bounded.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/CurrentThread.h"
#include "muduo/base/Mutex.h"
#include "muduo/base/TestUtil.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/InetAddress.h"
#include "rpc/CallOptions.h"
#include "rpc/ClientStream.h"
#include "rpc/RpcChannel.h"
#include "rpc/RpcCodec.h"
#include "rpc/RpcServer.h"
#include "rpc/testing/RefusingPort.h"
#include "rpc/testing/TestService.h"
#include "rpc/testing/test_messages.pb.h"

namespace muduo::rpc {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::EchoRequest;
using testing::EchoResponse;
using testing::TestService;

// The bound on every wait: long enough for a loaded machine under TSan.
constexpr std::chrono::milliseconds kWait = 10s;
constexpr std::string_view kService = TestService::kName;

EchoRequest makeRequest(std::string text, int delayMs = 0, int count = 0) {
  EchoRequest request;
  request.set_text(std::move(text));
  request.set_delay_ms(delayMs);
  request.set_count(count);
  return request;
}

CallOptions withTimeout(std::chrono::microseconds timeout) {
  CallOptions options;
  options.timeout = timeout;
  return options;
}

// Runs `fn` in `loop` and waits for it. A timeout means a loop is wedged; no
// destructor could recover, so abort rather than hang until Bazel kills us.
template <typename Fn>
void runAndWait(net::EventLoop* loop, Fn fn) {
  auto done = std::make_shared<CountDownLatch>(1);
  loop->runInLoop([&fn, done] {
    fn();
    done->countDown();
  });
  if (!done->waitFor(kWait)) {
    std::fprintf(stderr, "timed out waiting for a loop to run a task\n");
    std::abort();
  }
}

// What one unary call completed with.
struct CallResult {
  absl::Status status;
  std::string text;  // the EchoResponse's, when status is OK
};

// An asynchronous unary call the test can wait for. Shared with the
// completion handler, so a timed-out wait leaves nothing dangling.
class PendingCall {
 public:
  static std::shared_ptr<PendingCall> start(RpcChannel* channel, std::string_view service,
                                            std::string_view method,
                                            const google::protobuf::MessageLite& request,
                                            const CallOptions& options = CallOptions()) {
    auto call = std::make_shared<PendingCall>();
    call->id_ = channel->startCall(
        service, method, request,
        [call](absl::Status status, std::string_view payload) {
          EchoResponse response;
          if (status.ok() &&
              !response.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
            status = absl::InternalError("response does not parse");
          }
          call->result_ = CallResult{std::move(status), response.text()};
          call->done_.countDown();
        },
        options);
    return call;
  }

  // The result, or nullopt if the call did not complete within `timeout`.
  std::optional<CallResult> wait(std::chrono::milliseconds timeout = kWait) {
    if (!done_.waitFor(timeout)) return std::nullopt;
    return result_;  // written before countDown(), read after the wait
  }
  [[nodiscard]] uint64_t id() const { return id_; }

 private:
  CountDownLatch done_{1};
  CallResult result_;
  uint64_t id_ = 0;
};

std::optional<CallResult> callAndWait(RpcChannel* channel, std::string_view method,
                                      const google::protobuf::MessageLite& request,
                                      const CallOptions& options = CallOptions()) {
  return PendingCall::start(channel, kService, method, request, options)->wait();
}

// A raw, blocking loopback TCP socket for speaking nonsense to a server.
class RawSocket {
 public:
  explicit RawSocket(const net::InetAddress& server)
      : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    connected_ = fd_ >= 0 && ::connect(fd_, server.getSockAddr(), server.sockAddrLen()) == 0;
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  [[nodiscard]] bool connected() const { return connected_; }

  // The server may close on the first byte, so a short write is no failure.
  void send(std::string_view bytes) { (void)::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }

  // Reads until the peer closes (EOF or ECONNRESET) or `timeout` passes.
  // True if it closed; *received gets whatever arrived first.
  bool waitForClose(std::chrono::milliseconds timeout, std::string* received) {
    const auto deadline = Clock::now() + timeout;
    char buf[4096];
    while (true) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left <= 0ms) return false;
      struct pollfd pfd = {fd_, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()) + 1);
      if (ready < 0 && errno != EINTR) return false;
      if (ready <= 0) continue;
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n == 0) return true;
      if (n < 0) {
        if (errno == ECONNRESET) return true;
        if (errno != EINTR && errno != EAGAIN) return false;
        continue;
      }
      received->append(buf, static_cast<size_t>(n));
    }
  }

 private:
  const int fd_;
  bool connected_ = false;
};

class RpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    serverLoop_ = serverThread_.startLoop();
    clientLoop_ = clientThread_.startLoop();
  }

  void TearDown() override { stopServer(); }

  void startServer(RpcServer::Options options = RpcServer::Options()) {
    runAndWait(serverLoop_, [this, options] {
      server_ = std::make_unique<RpcServer>(serverLoop_, net::InetAddress(0, true), options);
      server_->addService(&service_);
      server_->start();
      serverAddress_ = server_->listenAddress();
    });
    ASSERT_NE(serverAddress_.port(), 0);
  }

  // Destroys the server in its loop thread, as RpcServer requires.
  void stopServer() {
    runAndWait(serverLoop_, [this] { server_.reset(); });
  }

  std::unique_ptr<RpcChannel> connectTo(const net::InetAddress& address) {
    auto channel = std::make_unique<RpcChannel>(clientLoop_, address);
    channel->connect();
    return channel;
  }
  std::unique_ptr<RpcChannel> connectToServer() { return connectTo(serverAddress_); }

  int serverLoopTid() {
    int tid = 0;
    runAndWait(serverLoop_, [&tid] { tid = CurrentThread::tid(); });
    return tid;
  }

  // Declared first: it outlives the server and the loops whose timers use it.
  TestService service_;
  net::EventLoopThread serverThread_{net::EventLoopThread::ThreadInitCallback(), "rpc-server"};
  net::EventLoopThread clientThread_{net::EventLoopThread::ThreadInitCallback(), "rpc-client"};
  net::EventLoop* serverLoop_ = nullptr;
  net::EventLoop* clientLoop_ = nullptr;
  std::unique_ptr<RpcServer> server_;  // server loop thread only
  net::InetAddress serverAddress_;     // set in the server loop, read after the wait
};

TEST_F(RpcTest, UnaryCallRoundTrips) {
  startServer();
  auto channel = connectToServer();
  const auto result = callAndWait(channel.get(), "Echo", makeRequest("hello"));
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->status.ok()) << result->status;
  EXPECT_EQ(result->text, "hello");
  EXPECT_TRUE(channel->connected());

  EchoResponse response;
  const absl::Status status =
      channel->blockingCall(kService, "Echo", makeRequest("blocking"), &response);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(response.text(), "blocking");
}

TEST_F(RpcTest, TenThousandPipelinedCallsCompleteOutOfOrderEachMatchedToItsRequest) {
  constexpr int kCalls = 10000;
  startServer();
  auto channel = connectToServer();
  // Connected first, so every call goes straight onto the live connection.
  const auto warmUp = callAndWait(channel.get(), "Echo", makeRequest("warm-up"));
  ASSERT_TRUE(warmUp.has_value());
  ASSERT_TRUE(warmUp->status.ok()) << warmUp->status;

  // Filled by the completion handlers in the channel's loop thread; read
  // here only after `done` says every handler has run.
  struct Outcome {
    std::vector<int> completionOrder;
    int errors = 0;
    std::string firstError;
    CountDownLatch done{kCalls};
  };
  auto outcome = std::make_shared<Outcome>();
  outcome->completionOrder.reserve(kCalls);

  std::mt19937 random(20240611);
  std::uniform_int_distribution<int> delayMs(0, 20);
  for (int i = 0; i < kCalls; ++i) {
    std::string text = "call-" + std::to_string(i);
    channel->startCall(
        kService, "Echo", makeRequest(text, delayMs(random)),
        [outcome, i, text](absl::Status status, std::string_view payload) {
          EchoResponse response;
          if (!status.ok() ||
              !response.ParseFromArray(payload.data(), static_cast<int>(payload.size())) ||
              response.text() != text) {
            if (outcome->errors++ == 0) {
              outcome->firstError = "call " + std::to_string(i) + ": " + status.ToString() +
                                    " text '" + response.text() + "'";
            }
          }
          outcome->completionOrder.push_back(i);
          outcome->done.countDown();
        },
        withTimeout(20s));
  }
  ASSERT_TRUE(outcome->done.waitFor(30s)) << outcome->done.count() << " calls still pending";
  EXPECT_EQ(outcome->errors, 0) << outcome->firstError;

  std::vector<int> order = outcome->completionOrder;
  EXPECT_FALSE(std::is_sorted(order.begin(), order.end())) << "random delays reorder answers";
  std::sort(order.begin(), order.end());
  std::vector<int> expected(kCalls);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(order, expected) << "every call completes exactly once";
  EXPECT_EQ(service_.echoPeers().size(), 1u) << "all calls share one connection";
}

// The stats are recorded by each I/O thread in a shard of its own and merged
// by whoever reads them: a reader on another thread, while calls run on two
// I/O threads, sees counts that only grow and, at the end, every call once.
TEST_F(RpcTest, StatsReadFromAnotherThreadWhileCallsRunCountEveryCallOnce) {
  constexpr int kCallsPerChannel = muduo::test::kSanitized ? 500 : 2000;
  RpcServer::Options options;
  options.ioThreads = 2;
  startServer(options);
  const std::shared_ptr<RpcStats> stats = server_->sharedStats();
  // Two connections, handed round robin to the two I/O threads.
  std::vector<std::unique_ptr<RpcChannel>> channels;
  channels.push_back(connectToServer());
  channels.push_back(connectToServer());
  for (auto& channel : channels) {
    const auto warmUp = callAndWait(channel.get(), "Echo", makeRequest("warm-up"));
    ASSERT_TRUE(warmUp.has_value());
    ASSERT_TRUE(warmUp->status.ok()) << warmUp->status;
  }
  const auto totals = [&stats] {
    int64_t calls = 0;
    int64_t errors = 0;
    int64_t latencies = 0;
    for (const auto& [name, row] : stats->snapshot()) {
      calls += row.calls;
      errors += row.errors;
      latencies += row.latencyNs.count();
    }
    return std::array<int64_t, 3>{calls, errors, latencies};
  };
  constexpr int64_t kWarmUps = 2;
  constexpr int64_t kAll = kWarmUps + 2 * kCallsPerChannel;

  auto done = std::make_shared<CountDownLatch>(2 * kCallsPerChannel);
  auto failures = std::make_shared<std::atomic<int>>(0);
  for (int i = 0; i < kCallsPerChannel; ++i) {
    for (auto& channel : channels) {
      channel->startCall(
          kService, "Echo", makeRequest("stats"),
          [done, failures](absl::Status status, std::string_view) {
            if (!status.ok()) failures->fetch_add(1);
            done->countDown();
          },
          withTimeout(20s));
    }
  }
  int64_t lastCalls = 0;
  int reads = 0;
  const auto deadline = Clock::now() + kWait;
  while ((done->count() > 0 || reads == 0) && Clock::now() < deadline) {
    const auto [calls, errors, latencies] = totals();
    EXPECT_GE(calls, lastCalls) << "a count went back";
    EXPECT_LE(calls, kAll);
    EXPECT_EQ(errors, 0);
    EXPECT_EQ(latencies, calls) << "a call counted without its latency, or the reverse";
    lastCalls = calls;
    ++reads;
    std::this_thread::yield();
  }
  ASSERT_TRUE(done->waitFor(kWait)) << done->count() << " calls still pending";
  EXPECT_EQ(failures->load(), 0);
  // A call is recorded before its answer is sent: all are in by now.
  const auto [calls, errors, latencies] = totals();
  EXPECT_EQ(calls, kAll);
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(latencies, kAll);
}

TEST_F(RpcTest, CallToAServerThatNeverAnswersExceedsItsDeadline) {
  startServer();
  auto channel = connectToServer();
  const auto start = Clock::now();
  const auto result =
      callAndWait(channel.get(), "Hold", makeRequest("ignored"), withTimeout(200ms));
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status.code(), absl::StatusCode::kDeadlineExceeded) << result->status;
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 5s);

  // The server got the call with the client's timeout, counted from the
  // request's arrival, so its deadline is a little after the client's.
  ASSERT_TRUE(service_.waitForHeld(1, kWait));
  const auto held = service_.heldCalls();
  ASSERT_EQ(held.size(), 1u);
  EXPECT_GE(held[0]->deadline(), start + 200ms);
  EXPECT_LT(held[0]->deadline(), start + 200ms + 5s);
}

TEST_F(RpcTest, AShortDeadlineStartedAfterALongOneExpiresOnTimeAndTheLongOneWaits) {
  startServer();
  auto channel = connectToServer();
  // The channel's one deadline timer is armed for the long call first; the
  // short one must pull it in, not wait behind it.
  auto longCall =
      PendingCall::start(channel.get(), kService, "Hold", makeRequest("long"), withTimeout(60s));
  const auto start = Clock::now();
  auto shortCall =
      PendingCall::start(channel.get(), kService, "Hold", makeRequest("short"), withTimeout(200ms));
  const auto result = shortCall->wait();
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status.code(), absl::StatusCode::kDeadlineExceeded) << result->status;
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 5s);
  EXPECT_FALSE(longCall->wait(0ms).has_value()) << "60 s have not passed";
  channel->cancel(longCall->id());
  const auto cancelled = longCall->wait();
  ASSERT_TRUE(cancelled.has_value());
  EXPECT_EQ(cancelled->status.code(), absl::StatusCode::kCancelled) << cancelled->status;
}

TEST_F(RpcTest, CallsAnsweredInTimeNeverExpireAndALaterCallStillDoes) {
  startServer();
  auto channel = connectToServer();
  // Answered calls leave their deadlines behind in the channel (they are
  // dropped lazily); hundreds of them must neither fire nor hide a live one.
  std::vector<std::shared_ptr<PendingCall>> calls;
  for (int i = 0; i < 500; ++i) {
    calls.push_back(PendingCall::start(channel.get(), kService, "Echo",
                                       makeRequest(std::to_string(i)), withTimeout(300ms)));
  }
  for (int i = 0; i < 500; ++i) {
    const auto result = calls[i]->wait();
    ASSERT_TRUE(result.has_value());
    ASSERT_TRUE(result->status.ok()) << result->status;
    EXPECT_EQ(result->text, std::to_string(i));
  }
  const auto start = Clock::now();
  const auto held = callAndWait(channel.get(), "Hold", makeRequest("held"), withTimeout(300ms));
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->status.code(), absl::StatusCode::kDeadlineExceeded) << held->status;
  EXPECT_GE(Clock::now() - start, 290ms);
  // Past the answered calls' deadlines too: they completed once, OK.
  const auto after = callAndWait(channel.get(), "Echo", makeRequest("after"), withTimeout(5s));
  ASSERT_TRUE(after.has_value());
  EXPECT_TRUE(after->status.ok()) << after->status;
}

TEST_F(RpcTest, CallToAnAddressWithNothingListeningFailsAtOnceSayingTheConnectionWasRefused) {
  testing::RefusingPort refusing;  // bound, never listening: connect(2) is refused
  auto channel = connectTo(refusing.address());
  const auto start = Clock::now();
  const auto result =
      callAndWait(channel.get(), "Echo", makeRequest("nobody home"), withTimeout(10s));
  ASSERT_TRUE(result.has_value()) << "the call must complete, not hang";
  EXPECT_LT(Clock::now() - start, 5s) << "fail fast, not at the deadline";
  EXPECT_EQ(result->status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(result->status.message(),
            "connect to " + refusing.address().toIpPort() + ": Connection refused");
  EXPECT_TRUE(RpcChannel::neverReachedServer(result->status))
      << "no connection was ever up, so the call is safe to send elsewhere";
  // Later calls, while the channel retries, fail the same way at once.
  const auto again = callAndWait(channel.get(), "Echo", makeRequest("still?"), withTimeout(10s));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status.code(), absl::StatusCode::kUnavailable) << again->status;
  EXPECT_TRUE(RpcChannel::neverReachedServer(again->status));
  EXPECT_FALSE(channel->connected());
}

TEST_F(RpcTest, AWaitForReadyCallToAnAddressWithNothingListeningWaitsUntilItsDeadline) {
  testing::RefusingPort refusing;
  auto channel = connectTo(refusing.address());
  CallOptions options = withTimeout(300ms);
  options.waitForReady = true;
  const auto start = Clock::now();
  const auto result = callAndWait(channel.get(), "Echo", makeRequest("nobody home"), options);
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(result.has_value()) << "the call must complete, not hang";
  EXPECT_EQ(result->status.code(), absl::StatusCode::kDeadlineExceeded) << result->status;
  EXPECT_GE(elapsed, 290ms);
  EXPECT_LT(elapsed, 5s);
}

TEST_F(RpcTest, CallThatExpiredBeforeTheConnectionWasUpIsNeverSent) {
  startServer();
  // Not connected yet: the request waits in the channel, and expires there.
  auto channel = std::make_unique<RpcChannel>(clientLoop_, serverAddress_);
  const auto expired =
      callAndWait(channel.get(), "Echo", makeRequest("too late"), withTimeout(50ms));
  ASSERT_TRUE(expired.has_value());
  EXPECT_EQ(expired->status.code(), absl::StatusCode::kDeadlineExceeded) << expired->status;

  channel->connect();
  const auto live = callAndWait(channel.get(), "Echo", makeRequest("on time"));
  ASSERT_TRUE(live.has_value());
  EXPECT_TRUE(live->status.ok()) << live->status;
  // Anything sent for the expired call would have arrived before this one.
  EXPECT_EQ(service_.callsReceived(), 1) << "the server must not run a call the client gave up on";
}

TEST_F(RpcTest, StreamCancelledBeforeTheConnectionWasUpIsNeverStarted) {
  startServer();
  auto channel = std::make_unique<RpcChannel>(clientLoop_, serverAddress_);
  auto finished = std::make_shared<CountDownLatch>(1);
  auto status = std::make_shared<absl::Status>();
  const uint64_t id = channel->startStream(
      kService, "Ticker", makeRequest("", 1), [](std::string_view) {},
      [finished, status](absl::Status s, std::string_view) {
        *status = std::move(s);
        finished->countDown();
      });
  channel->cancel(id);
  ASSERT_TRUE(finished->waitFor(kWait));
  EXPECT_EQ(status->code(), absl::StatusCode::kCancelled) << *status;

  channel->connect();
  const auto live = callAndWait(channel.get(), "Echo", makeRequest("on time"));
  ASSERT_TRUE(live.has_value());
  EXPECT_TRUE(live->status.ok()) << live->status;
  EXPECT_EQ(service_.callsReceived(), 1) << "a cancelled stream must not run unbounded";
}

TEST_F(RpcTest, PendingCallFailsWithUnavailableWhenTheServerIsDestroyed) {
  startServer();
  auto channel = connectToServer();
  auto call =
      PendingCall::start(channel.get(), kService, "Hold", makeRequest("doomed"), withTimeout(60s));
  ASSERT_TRUE(service_.waitForHeld(1, kWait));

  const auto start = Clock::now();
  stopServer();
  const auto result = call->wait();
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status.code(), absl::StatusCode::kUnavailable) << result->status;
  EXPECT_LT(elapsed, 2s) << "a dropped connection fails its calls at once, not at the deadline";
  EXPECT_FALSE(RpcChannel::neverReachedServer(result->status))
      << "the server had the call: resending it could run it twice";
}

TEST_F(RpcTest, UnknownServiceIsUnimplemented) {
  startServer();
  auto channel = connectToServer();
  const auto result =
      PendingCall::start(channel.get(), "muduo.rpc.testing.NoSuchService", "Echo", makeRequest("x"))
          ->wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status.code(), absl::StatusCode::kUnimplemented) << result->status;
}

TEST_F(RpcTest, UnknownMethodIsUnimplemented) {
  startServer();
  auto channel = connectToServer();
  const auto result = callAndWait(channel.get(), "NoSuchMethod", makeRequest("x"));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status.code(), absl::StatusCode::kUnimplemented) << result->status;
  // The connection stays usable.
  const auto echo = callAndWait(channel.get(), "Echo", makeRequest("still here"));
  ASSERT_TRUE(echo.has_value());
  EXPECT_TRUE(echo->status.ok()) << echo->status;
}

TEST_F(RpcTest, RequestThatDoesNotParseIsInvalidArgument) {
  startServer();
  auto channel = connectToServer();
  // Field 1 as bytes that are not UTF-8: EchoRequest.text is a proto3
  // string, so parsing it fails.
  google::protobuf::BytesValue notAnEchoRequest;
  notAnEchoRequest.set_value("\xff\xfe\xfd");
  const auto result = callAndWait(channel.get(), "Echo", notAnEchoRequest);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status.code(), absl::StatusCode::kInvalidArgument) << result->status;
}

std::string bigEndian32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string header(uint32_t bodyLength, uint32_t metaLength) {
  return std::string(kMagic) + bigEndian32(bodyLength) + bigEndian32(metaLength);
}

struct MalformedInput {
  std::string name;
  std::string bytes;
};

std::vector<MalformedInput> malformedInputs() {
  std::string random(4096, '\0');
  std::mt19937 engine(7);
  for (char& c : random) c = static_cast<char>(engine());
  if (random[0] == 'M') random[0] = 'X';

  RpcMeta response;
  response.set_type(RpcMeta::RESPONSE);
  response.set_call_id(1);
  net::Buffer responseFrame;
  encodeFrame(response, nullptr, &responseFrame);

  return {
      {"BadMagic", "MRPX" + bigEndian32(2) + bigEndian32(0) + "ab"},
      {"OversizedBody", header(static_cast<uint32_t>(kDefaultMaxFrameSize) + 1, 0)},
      {"MetaLongerThanBody", header(4, 5) + "abcd"},
      {"TruncatedMeta", header(4, 4) + "\x1a\x10" + "ab"},
      {"GarbageMeta", header(11, 11) + std::string(11, '\xff')},
      {"RandomBytes", random},
      {"ResponseFrameFromAClient", responseFrame.retrieveAllAsString()},
  };
}

class MalformedInputTest : public RpcTest, public ::testing::WithParamInterface<MalformedInput> {};

TEST_P(MalformedInputTest, ClosesThatConnectionWhileOtherClientsKeepGettingAnswers) {
  startServer();
  auto channel = connectToServer();
  const auto before = callAndWait(channel.get(), "Echo", makeRequest("before"));
  ASSERT_TRUE(before.has_value());
  ASSERT_TRUE(before->status.ok()) << before->status;

  RawSocket raw(serverAddress_);
  ASSERT_TRUE(raw.connected());
  raw.send(GetParam().bytes);
  std::string received;
  EXPECT_TRUE(raw.waitForClose(kWait, &received)) << "the server must close the connection";
  EXPECT_EQ(received, "") << "nothing is answered to a malformed frame";

  const auto after = callAndWait(channel.get(), "Echo", makeRequest("after"));
  ASSERT_TRUE(after.has_value());
  EXPECT_TRUE(after->status.ok()) << after->status;
  EXPECT_EQ(after->text, "after");
}

INSTANTIATE_TEST_SUITE_P(RpcTest, MalformedInputTest, ::testing::ValuesIn(malformedInputs()),
                         [](const auto& info) { return info.param.name; });

TEST_F(RpcTest, ServerStreamDeliversAThousandMessagesInOrderThenFinishesOk) {
  constexpr int kMessages = 1000;
  startServer();
  auto channel = connectToServer();

  struct Stream {
    int received = 0;
    int outOfOrder = 0;
    absl::Status status;
    CountDownLatch finished{1};
  };
  auto stream = std::make_shared<Stream>();
  channel->startStream(
      kService, "Stream", makeRequest("", 0, kMessages),
      [stream](std::string_view payload) {
        EchoResponse message;
        if (!message.ParseFromArray(payload.data(), static_cast<int>(payload.size())) ||
            message.text() != std::to_string(stream->received)) {
          ++stream->outOfOrder;
        }
        ++stream->received;
      },
      [stream](absl::Status status, std::string_view) {
        stream->status = std::move(status);
        stream->finished.countDown();
      });
  ASSERT_TRUE(stream->finished.waitFor(kWait));
  EXPECT_TRUE(stream->status.ok()) << stream->status;
  EXPECT_EQ(stream->received, kMessages);
  EXPECT_EQ(stream->outOfOrder, 0);
}

TEST_F(RpcTest, CancellingAStreamStopsDeliveryAndCompletesWithCancelled) {
  startServer();
  auto channel = connectToServer();

  // The handlers run in the channel's loop thread; the test reads the
  // fields after a latch that those handlers count down.
  struct Stream {
    int received = 0;
    int receivedAtFinish = -1;
    absl::Status status;
    CountDownLatch someArrived{5};
    CountDownLatch finished{1};
  };
  auto stream = std::make_shared<Stream>();
  const uint64_t id = channel->startStream(
      kService, "Ticker", makeRequest("", 2),
      [stream](std::string_view) {
        ++stream->received;
        stream->someArrived.countDown();
      },
      [stream](absl::Status status, std::string_view) {
        stream->status = std::move(status);
        stream->receivedAtFinish = stream->received;
        stream->finished.countDown();
      });
  ASSERT_TRUE(stream->someArrived.waitFor(kWait));

  ClientStream(channel.get(), id).cancel();
  ASSERT_TRUE(stream->finished.waitFor(kWait));
  EXPECT_EQ(stream->status.code(), absl::StatusCode::kCancelled) << stream->status;

  // The server hears of it and stops writing.
  int64_t written = 0;
  ASSERT_TRUE(service_.waitForTickerStopped(kWait, &written));
  // Whatever it wrote before stopping is ahead of this answer on the same
  // connection, so once the answer is here nothing more can be delivered.
  const auto flush = callAndWait(channel.get(), "Echo", makeRequest("flush"));
  ASSERT_TRUE(flush.has_value());
  EXPECT_TRUE(flush->status.ok()) << flush->status;
  EXPECT_EQ(stream->received, stream->receivedAtFinish) << "no message after the cancel";
  EXPECT_GE(written, stream->received);
}

TEST_F(RpcTest, BlockingCallsFromEightThreadsAllSucceed) {
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 500;
  startServer();
  auto channel = connectToServer();

  std::atomic<int> succeeded{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        const std::string text = std::to_string(t) + "-" + std::to_string(i);
        EchoResponse response;
        const absl::Status status =
            channel->blockingCall(kService, "Echo", makeRequest(text), &response, withTimeout(20s));
        if (status.ok() && response.text() == text) {
          succeeded.fetch_add(1);
        } else {
          failed.fetch_add(1);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(succeeded.load(), kThreads * kCallsPerThread);
  EXPECT_EQ(failed.load(), 0);
}

TEST_F(RpcTest, BlockingCallFromTheChannelsLoopThreadFailsWithFailedPrecondition) {
  startServer();
  auto channel = connectToServer();
  absl::Status status;
  runAndWait(clientLoop_, [&] {
    EchoResponse response;
    status = channel->blockingCall(kService, "Echo", makeRequest("deadlock?"), &response);
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
}

TEST_F(RpcTest, HandlersOnAWorkerPoolRunOffTheIoThreadAndASlowOneDoesNotBlockOthers) {
  RpcServer::Options options;
  options.workerThreads = 2;
  startServer(options);
  auto channel = connectToServer();

  auto slow =
      PendingCall::start(channel.get(), kService, "Block", makeRequest("slow"), withTimeout(30s));
  ASSERT_TRUE(service_.waitForBlocked(1, kWait));

  // One worker is stuck; the I/O thread and the other worker keep serving.
  for (int i = 0; i < 20; ++i) {
    const auto result = callAndWait(channel.get(), "Echo", makeRequest("fast" + std::to_string(i)));
    ASSERT_TRUE(result.has_value());
    ASSERT_TRUE(result->status.ok()) << result->status;
    EXPECT_EQ(result->text, "fast" + std::to_string(i));
  }
  const auto unknown = callAndWait(channel.get(), "NoSuchMethod", makeRequest("x"));
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->status.code(), absl::StatusCode::kUnimplemented) << unknown->status;
  EXPECT_FALSE(slow->wait(0ms).has_value()) << "the slow call is still blocked";

  const int ioTid = serverLoopTid();
  for (int tid : service_.echoThreads()) EXPECT_NE(tid, ioTid) << "handler ran on the I/O thread";

  service_.openGate();
  const auto result = slow->wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->status.ok()) << result->status;
  EXPECT_EQ(result->text, "slow");
}

TEST_F(RpcTest, ShutdownLetsAnInFlightCallFinishThenCloses) {
  startServer();
  auto channel = connectToServer();
  const auto warmUp = callAndWait(channel.get(), "Echo", makeRequest("warm-up"));
  ASSERT_TRUE(warmUp.has_value());
  ASSERT_TRUE(warmUp->status.ok()) << warmUp->status;

  auto inFlight = PendingCall::start(channel.get(), kService, "Echo", makeRequest("last", 200),
                                     withTimeout(10s));
  ASSERT_TRUE(service_.waitForEchoReceived(2, kWait));

  struct Shutdown {
    int64_t answeredAtDone = -1;
    CountDownLatch done{1};
  };
  auto shutdown = std::make_shared<Shutdown>();
  const auto start = Clock::now();
  runAndWait(serverLoop_, [this, shutdown] {
    server_->shutdown(5s, [this, shutdown] {
      shutdown->answeredAtDone = service_.echoAnswered();
      shutdown->done.countDown();
    });
  });

  const auto result = inFlight->wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->status.ok()) << result->status;
  EXPECT_EQ(result->text, "last");
  ASSERT_TRUE(shutdown->done.waitFor(kWait));
  EXPECT_EQ(shutdown->answeredAtDone, 2) << "done runs only after the in-flight call answered";
  EXPECT_LT(Clock::now() - start, 4s) << "shutdown does not wait out the grace once idle";

  // The server closed our connection and accepts no new ones.
  const auto afterOld = callAndWait(channel.get(), "Echo", makeRequest("late"), withTimeout(300ms));
  ASSERT_TRUE(afterOld.has_value());
  EXPECT_FALSE(afterOld->status.ok());
  auto fresh = connectToServer();
  const auto afterNew = callAndWait(fresh.get(), "Echo", makeRequest("new"), withTimeout(300ms));
  ASSERT_TRUE(afterNew.has_value());
  // Refused, and said so at once (fail fast) rather than at the deadline.
  EXPECT_EQ(afterNew->status.code(), absl::StatusCode::kUnavailable) << afterNew->status;
}

TEST_F(RpcTest, ShutdownDeliversALargeInFlightAnswerBeforeClosing) {
  // 32 MiB: far more than the kernel's socket buffers hold, so most of the
  // answer is still queued in the server when the call counts as finished.
  constexpr int kCopies = 32 * 1024;
  const std::string chunk(1024, 'x');
  startServer();
  auto channel = connectToServer();
  auto inFlight = PendingCall::start(channel.get(), kService, "Echo",
                                     makeRequest(chunk, 100, kCopies), withTimeout(20s));
  ASSERT_TRUE(service_.waitForEchoReceived(1, kWait));

  auto done = std::make_shared<CountDownLatch>(1);
  runAndWait(serverLoop_, [this, done] { server_->shutdown(10s, [done] { done->countDown(); }); });
  const auto result = inFlight->wait(20s);
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->status.ok()) << result->status;
  EXPECT_EQ(result->text.size(), chunk.size() * kCopies);
  EXPECT_TRUE(done->waitFor(kWait));
}

}  // namespace
}  // namespace muduo::rpc
