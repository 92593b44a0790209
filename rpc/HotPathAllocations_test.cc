// Guards on the unary call's hot path, in the server's loop thread and the
// client's:
//  - heap allocations, counted by a replacement operator new that counts
//    only in threads that ask it to. The handler and the completion handler
//    allocate nothing themselves, so what is counted is the runtime's own:
//    RpcServer, ServerCall, RpcChannel, the codec and the reactor under them.
//  - wake-ups and syscalls: a call started from the client's loop thread and
//    answered in the server's loop thread costs each loop one pass (one
//    epoll_wait, one read, one write) and no hand-off to another thread
//    (an eventfd write and read, and a sleeping thread to wake, which is
//    25-35 us on a VM whose idle CPUs halt). A 1 x 1 round trip is mostly
//    such wake-ups, so one more per call shows in its latency at once.
// A change that adds an allocation, a wake-up or a syscall per call fails here.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <new>
#include <sstream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/InetAddress.h"
#include "rpc/RpcChannel.h"
#include "rpc/RpcServer.h"
#include "rpc/Service.h"
#include "rpc/testing/test_messages.pb.h"

namespace {
thread_local bool t_counting = false;
thread_local int64_t t_allocations = 0;

void* countedAlloc(size_t size) {
  if (t_counting) ++t_allocations;
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(size_t size) { return countedAlloc(size); }
void* operator new[](size_t size) { return countedAlloc(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace muduo::rpc {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kWait = 10s;
constexpr int kWarmupCalls = 300;
constexpr int kCountedCalls = 3000;
// What one unary call may cost, at most: nothing on either side. The
// server's ServerCall comes from a block its loop thread recycles
// (ServerCall::make); under AddressSanitizer the recycling is off, so a use
// after free stays visible, and the call costs its one allocation. The
// client's request is encoded into reused storage, the pending call lives in
// a table and the deadline in a heap that keep their capacity.
#if defined(__SANITIZE_ADDRESS__)
constexpr double kServerAllocationsPerCall = 1.0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr double kServerAllocationsPerCall = 1.0;
#else
constexpr double kServerAllocationsPerCall = 0.0;
#endif
#else
constexpr double kServerAllocationsPerCall = 0.0;
#endif
constexpr double kClientAllocationsPerCall = 0.0;
// Slack for what does not scale with calls (a table growing once).
constexpr int64_t kSlack = 30;

template <typename Fn>
void runAndWait(net::EventLoop* loop, Fn fn) {
  CountDownLatch done(1);
  loop->runInLoop([&] {
    fn();
    done.countDown();
  });
  ASSERT_TRUE(done.waitFor(kWait)) << "a loop is wedged";
}

// Answers Echo with a response made once: the handler allocates nothing.
class FixedAnswerService final : public Service {
 public:
  FixedAnswerService() { response_.set_text("fixed answer"); }
  std::string_view serviceName() const override { return "test.FixedAnswer"; }
  bool callMethod(std::string_view method, const std::shared_ptr<ServerCall>& call) override {
    if (method != "Echo") return false;
    call->finish(absl::OkStatus(), &response_);
    return true;
  }

 private:
  testing::EchoResponse response_;
};

// Issues calls one after another from the channel's loop thread, each from
// the previous one's completion handler (as an asynchronous client does).
class ChainedCalls {
 public:
  explicit ChainedCalls(RpcChannel* channel) : channel_(channel) { request_.set_text("question"); }

  // Loop thread. Runs `calls` calls; `done` counts down after the last.
  void start(int calls, CountDownLatch* done) {
    left_ = calls;
    done_ = done;
    next();
  }
  [[nodiscard]] int64_t failures() const { return failures_; }

 private:
  void next() {
    if (left_-- == 0) {
      done_->countDown();
      return;
    }
    // Captures one pointer: fits the handler's inline storage.
    channel_->startCall("test.FixedAnswer", "Echo", request_,
                        [this](absl::Status status, std::string_view) {
                          if (!status.ok()) ++failures_;
                          next();
                        });
  }

  RpcChannel* const channel_;
  testing::EchoRequest request_;
  int left_ = 0;
  CountDownLatch* done_ = nullptr;
  int64_t failures_ = 0;
};

// A server and a client, each on a loop thread of its own, and a client
// that chains its calls.
class HotPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    serverLoop_ = serverThread_.startLoop();
    runAndWait(serverLoop_, [&] {
      server_ =
          std::make_unique<RpcServer>(serverLoop_, net::InetAddress(0, /*loopbackOnly=*/true));
      server_->addService(&service_);
      server_->start();
    });
    ASSERT_TRUE(server_->listenStatus().ok()) << server_->listenStatus();
    clientLoop_ = clientThread_.startLoop();
    channel_ = std::make_unique<RpcChannel>(clientLoop_, server_->listenAddress());
    channel_->connect();
    calls_ = std::make_unique<ChainedCalls>(channel_.get());
  }

  void TearDown() override {
    calls_.reset();
    channel_.reset();
    if (serverLoop_ != nullptr) runAndWait(serverLoop_, [&] { server_.reset(); });
  }

  // Runs n chained calls and waits for the last.
  void run(int n) {
    CountDownLatch done(1);
    clientLoop_->runInLoop([&] { calls_->start(n, &done); });
    ASSERT_TRUE(done.waitFor(kWait)) << "calls did not complete";
  }

  FixedAnswerService service_;
  net::EventLoopThread serverThread_;
  net::EventLoop* serverLoop_ = nullptr;
  std::unique_ptr<RpcServer> server_;
  net::EventLoopThread clientThread_;
  net::EventLoop* clientLoop_ = nullptr;
  std::unique_ptr<RpcChannel> channel_;
  std::unique_ptr<ChainedCalls> calls_;
};

TEST_F(HotPathTest, AUnaryCallCostsNeitherTheServerNorTheClientAnAllocation) {
  run(kWarmupCalls);  // connection up, tables and buffers at their size
  runAndWait(serverLoop_, [] { t_counting = true; });
  runAndWait(clientLoop_, [] { t_counting = true; });
  run(kCountedCalls);
  int64_t serverAllocations = 0;
  int64_t clientAllocations = 0;
  runAndWait(serverLoop_, [&] {
    t_counting = false;
    serverAllocations = t_allocations;
  });
  runAndWait(clientLoop_, [&] {
    t_counting = false;
    clientAllocations = t_allocations;
  });
  EXPECT_EQ(calls_->failures(), 0);
  EXPECT_LE(serverAllocations, kServerAllocationsPerCall * kCountedCalls + kSlack)
      << static_cast<double>(serverAllocations) / kCountedCalls << " per call";
  EXPECT_LE(clientAllocations, kClientAllocationsPerCall * kCountedCalls + kSlack)
      << static_cast<double>(clientAllocations) / kCountedCalls << " per call";
  std::printf("allocations per call: server %.2f, client %.2f\n",
              static_cast<double>(serverAllocations) / kCountedCalls,
              static_cast<double>(clientAllocations) / kCountedCalls);
}

// What the kernel counts for the calling thread: read-like and write-like
// syscalls (/proc/thread-self/io) and voluntary context switches (times it
// slept). False where the kernel does not keep them.
struct ThreadCounters {
  int64_t reads = 0;
  int64_t writes = 0;
  int64_t sleeps = 0;
  int64_t passes = 0;  // the loop's iterations
};

bool readField(const char* path, std::string_view name, int64_t* value) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(name) && line.size() > name.size() && line[name.size()] == ':') {
      std::istringstream(line.substr(name.size() + 1)) >> *value;
      return true;
    }
  }
  return false;
}

// Loop thread of `loop`.
bool countersOfThisThread(net::EventLoop* loop, ThreadCounters* out) {
  out->passes = loop->iteration();
  return readField("/proc/thread-self/io", "syscr", &out->reads) &&
         readField("/proc/thread-self/io", "syscw", &out->writes) &&
         readField("/proc/thread-self/status", "voluntary_ctxt_switches", &out->sleeps);
}

void expectOnePassPerCall(const char* side, const ThreadCounters& before,
                          const ThreadCounters& after, int calls) {
  // kSlack covers what does not scale with calls: the runAndWait()s that
  // take these counts (each a queued functor, so an eventfd read and a pass)
  // and the odd timer.
  EXPECT_LE(after.passes - before.passes, calls + kSlack) << side << ": loop passes";
  EXPECT_LE(after.reads - before.reads, calls + kSlack) << side << ": read-like syscalls";
  EXPECT_LE(after.writes - before.writes, calls + kSlack) << side << ": write-like syscalls";
  EXPECT_LE(after.sleeps - before.sleeps, calls + kSlack) << side << ": times the thread slept";
  std::printf("%s per call: %.2f passes, %.2f reads, %.2f writes, %.2f sleeps\n", side,
              static_cast<double>(after.passes - before.passes) / calls,
              static_cast<double>(after.reads - before.reads) / calls,
              static_cast<double>(after.writes - before.writes) / calls,
              static_cast<double>(after.sleeps - before.sleeps) / calls);
}

TEST_F(HotPathTest, AChainedCallCostsEachLoopOnePassAndNoHandOffToAnotherThread) {
  run(kWarmupCalls);

  ThreadCounters serverBefore, clientBefore, serverAfter, clientAfter;
  bool counted = true;
  runAndWait(serverLoop_, [&] { counted &= countersOfThisThread(serverLoop_, &serverBefore); });
  runAndWait(clientLoop_, [&] { counted &= countersOfThisThread(clientLoop_, &clientBefore); });
  run(kCountedCalls);
  runAndWait(serverLoop_, [&] { counted &= countersOfThisThread(serverLoop_, &serverAfter); });
  runAndWait(clientLoop_, [&] { counted &= countersOfThisThread(clientLoop_, &clientAfter); });
  EXPECT_EQ(calls_->failures(), 0);
  if (!counted) GTEST_SKIP() << "this kernel keeps no per-thread I/O counts";
  expectOnePassPerCall("server", serverBefore, serverAfter, kCountedCalls);
  expectOnePassPerCall("client", clientBefore, clientAfter, kCountedCalls);
}

}  // namespace
}  // namespace muduo::rpc
