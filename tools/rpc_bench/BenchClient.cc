#include "tools/rpc_bench/BenchClient.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <string>
#include <thread>

#include "muduo/base/CountDownLatch.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThreadPool.h"
#include "rpc/RpcChannel.h"
#include "rpc/cluster/ClusterChannel.h"
#include "tools/rpc_bench/bench.pb.h"

namespace rpcbench {

using Clock = std::chrono::steady_clock;

// One channel and its share of the load. Everything but the atomics is
// touched only in its loop's thread, and read by run() after the loops
// have gone quiet (the latch at the end orders it).
class BenchClient::Connection {
 public:
  Connection(muduo::net::EventLoop* loop, std::unique_ptr<muduo::rpc::Channel> channel,
             muduo::rpc::RpcChannel* plain, const BenchOptions& options, uint32_t seed)
      : loop_(loop), options_(options), channel_(std::move(channel)), plain_(plain), rng_(seed) {
    fast_.set_payload(std::string(options.payloadSize, 'x'));
    slow_.set_payload(fast_.payload());
    slow_.set_slow(true);
    if (plain_ != nullptr) plain_->connect();
  }
  // Loop thread (a channel's destruction waits for its loop).
  ~Connection() { channel_.reset(); }

  // A cluster channel's calls wait for its endpoint list themselves.
  [[nodiscard]] bool connected() const { return plain_ == nullptr || plain_->connected(); }
  void setKilledAt(Clock::time_point at) { killedAt_ = at; }
  [[nodiscard]] int64_t inFlight() const { return inFlight_.load(); }
  muduo::net::EventLoop* loop() const { return loop_; }

  // Loop thread.
  void startClosedLoop() {
    for (int i = 0; i < options_.outstanding; ++i) issue(Clock::now());
  }
  // Loop thread. Sends every call whose intended time has come.
  void tickOpenLoop(Clock::time_point now, Clock::duration interval) {
    if (nextSend_ == Clock::time_point()) nextSend_ = now;
    while (running_ && nextSend_ <= now) {
      issue(nextSend_);
      nextSend_ += interval;
    }
  }
  void setRunning(bool running) { running_ = running; }
  void setMeasuring(bool measuring) { measuring_ = measuring; }

  void addTo(BenchResult* result) const {
    result->calls += calls_;
    result->errors += errors_;
    result->latencyNs.merge(latency_);
    result->fastLatencyNs.merge(fastLatency_);
    result->errorsAfterKill += errorsAfterKill_;
    if (lastErrorAt_ > killedAt_ && killedAt_ != Clock::time_point()) {
      result->lastErrorAfterKillMs =
          std::max(result->lastErrorAfterKillMs,
                   std::chrono::duration<double, std::milli>(lastErrorAt_ - killedAt_).count());
    }
  }

 private:
  // A call's intended start and whether it is a slow one, in one word: the
  // completion handler then captures 16 bytes, which fit its inline storage,
  // so the benchmark's own bookkeeping allocates nothing per call (the
  // library allocates nothing either; HotPathAllocations_test).
  static int64_t pack(Clock::time_point intended, bool slow) {
    return intended.time_since_epoch().count() * 2 + (slow ? 1 : 0);
  }
  static Clock::time_point intendedOf(int64_t packed) {
    return Clock::time_point(Clock::duration(packed >> 1));
  }

  void issue(Clock::time_point intended) {
    const bool slow = options_.slowFraction > 0 && uniform_(rng_) < options_.slowFraction;
    inFlight_.fetch_add(1, std::memory_order_relaxed);
    channel_->startCall(
        "rpcbench.Bench", "Echo", slow ? slow_ : fast_,
        [this, packed = pack(intended, slow)](absl::Status status, std::string_view) {
          onDone(status, intendedOf(packed), (packed & 1) != 0);
        });
  }

  void onDone(const absl::Status& status, Clock::time_point intended, bool slow) {
    inFlight_.fetch_sub(1, std::memory_order_relaxed);
    // One clock read ends this call and starts the next, and the next is
    // sent before this one is recorded: in a closed loop the bookkeeping
    // then runs while the server works, not on the round trip.
    const Clock::time_point now = Clock::now();
    const bool closedLoop = running_ && options_.rate == 0;
    if (closedLoop && status.ok()) issue(now);
    if (measuring_) {
      if (status.ok()) {
        const int64_t ns =
            std::chrono::duration_cast<std::chrono::nanoseconds>(now - intended).count();
        ++calls_;
        latency_.record(ns);
        if (!slow) fastLatency_.record(ns);
      } else {
        ++errors_;
      }
    }
    if (!status.ok() && killedAt_ != Clock::time_point()) {
      lastErrorAt_ = now;
      ++errorsAfterKill_;
    }
    if (closedLoop && !status.ok()) {
      // A channel that cannot connect fails a call at once, inside
      // startCall(): issuing the next one here would recurse until the
      // stack runs out (the server went away), and issuing it at once from
      // the loop would spin. Retry a little later; counted in flight, so
      // run() waits for the retry before the connection goes away.
      inFlight_.fetch_add(1, std::memory_order_relaxed);
      loop_->runAfter(std::chrono::milliseconds(10), [this] {
        inFlight_.fetch_sub(1, std::memory_order_relaxed);
        if (running_) issue(Clock::now());
      });
    }
  }

  muduo::net::EventLoop* const loop_;
  const BenchOptions& options_;
  std::unique_ptr<muduo::rpc::Channel> channel_;
  muduo::rpc::RpcChannel* const plain_;  // channel_, when it is one
  BenchRequest fast_;
  BenchRequest slow_;
  std::mt19937 rng_;
  std::uniform_real_distribution<double> uniform_{0, 1};
  std::atomic<int64_t> inFlight_{0};
  bool running_ = false;
  bool measuring_ = false;
  Clock::time_point nextSend_;
  Clock::time_point killedAt_;
  Clock::time_point lastErrorAt_;
  int64_t errorsAfterKill_ = 0;
  int64_t calls_ = 0;
  int64_t errors_ = 0;
  muduo::Histogram latency_;
  muduo::Histogram fastLatency_;
};

BenchClient::BenchClient(muduo::net::EventLoop* baseLoop, const muduo::net::InetAddress& server,
                         BenchOptions options)
    : options_(options),
      pool_(std::make_unique<muduo::net::EventLoopThreadPool>(baseLoop, "BenchClient")) {
  pool_->setThreadNum(options_.threads);
  pool_->start();
  muduo::rpc::cluster::ClusterChannel::Options clusterOptions;
  for (auto policy :
       {muduo::rpc::cluster::Policy::kRoundRobin, muduo::rpc::cluster::Policy::kWeightedRoundRobin,
        muduo::rpc::cluster::Policy::kRandom, muduo::rpc::cluster::Policy::kPowerOfTwo,
        muduo::rpc::cluster::Policy::kConsistentHash}) {
    if (muduo::rpc::cluster::policyName(policy) == options_.policy) clusterOptions.policy = policy;
  }
  for (int i = 0; i < options_.connections; ++i) {
    muduo::net::EventLoop* loop = pool_->getNextLoop();
    std::unique_ptr<muduo::rpc::Channel> channel;
    muduo::rpc::RpcChannel* plain = nullptr;
    if (options_.cluster.empty()) {
      auto rpc = std::make_unique<muduo::rpc::RpcChannel>(loop, server);
      plain = rpc.get();
      channel = std::move(rpc);
    } else {
      auto cluster =
          muduo::rpc::cluster::ClusterChannel::create(loop, options_.cluster, clusterOptions);
      if (!cluster.ok()) {
        fprintf(stderr, "rpc_bench: %s\n", cluster.status().ToString().c_str());
        exit(2);
      }
      channel = std::move(*cluster);
    }
    connections_.push_back(std::make_unique<Connection>(loop, std::move(channel), plain, options_,
                                                        static_cast<uint32_t>(i + 1)));
  }
}

// Channels go while their loops still run; then the pool joins the loops.
BenchClient::~BenchClient() { connections_.clear(); }

namespace {

// Runs fn(connection) in each connection's loop thread and waits for all.
template <typename Connections, typename Fn>
void inEachLoop(const Connections& connections, Fn fn) {
  muduo::CountDownLatch latch(static_cast<int>(connections.size()));
  for (const auto& conn : connections) {
    conn->loop()->runInLoop([&conn, &fn, &latch] {
      fn(*conn);
      latch.countDown();
    });
  }
  latch.wait();
}

}  // namespace

BenchResult BenchClient::run() {
  // Setup, not measurement: a short bounded poll for the connections.
  const auto connectDeadline = Clock::now() + std::chrono::seconds(10);
  for (const auto& conn : connections_) {
    while (!conn->connected() && Clock::now() < connectDeadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  inEachLoop(connections_, [](Connection& c) { c.setRunning(true); });

  std::vector<muduo::net::TimerId> tickers;
  if (options_.rate > 0) {
    const auto interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(options_.connections / options_.rate));
    for (muduo::net::EventLoop* loop : pool_->getAllLoops()) {
      std::vector<Connection*> mine;
      for (const auto& conn : connections_) {
        if (conn->loop() == loop) mine.push_back(conn.get());
      }
      tickers.push_back(loop->runEvery(std::chrono::microseconds(100), [mine, interval] {
        const auto now = Clock::now();
        for (Connection* c : mine) c->tickOpenLoop(now, interval);
      }));
    }
  } else {
    inEachLoop(connections_, [](Connection& c) { c.startClosedLoop(); });
  }

  std::this_thread::sleep_for(options_.warmup);
  inEachLoop(connections_, [](Connection& c) { c.setMeasuring(true); });
  const auto start = Clock::now();
  if (options_.killPid > 0 && options_.killAfter < options_.duration) {
    std::this_thread::sleep_for(options_.killAfter);
    const auto killedAt = Clock::now();
    ::kill(options_.killPid, SIGKILL);
    inEachLoop(connections_, [killedAt](Connection& c) { c.setKilledAt(killedAt); });
    std::this_thread::sleep_for(options_.duration - options_.killAfter);
  } else {
    std::this_thread::sleep_for(options_.duration);
  }
  inEachLoop(connections_, [](Connection& c) {
    c.setMeasuring(false);
    c.setRunning(false);
  });
  const auto stop = Clock::now();
  auto loops = pool_->getAllLoops();
  for (size_t i = 0; i < tickers.size(); ++i) loops[i]->cancel(tickers[i]);

  // Let the last calls complete (they are no longer measured) so no
  // handler runs after the connections go away.
  const auto drainDeadline = Clock::now() + std::chrono::seconds(10);
  for (const auto& conn : connections_) {
    while (conn->inFlight() > 0 && Clock::now() < drainDeadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  BenchResult result;
  inEachLoop(connections_, [](Connection&) {});  // orders the reads below
  for (const auto& conn : connections_) conn->addTo(&result);
  result.seconds = std::chrono::duration<double>(stop - start).count();
  return result;
}

}  // namespace rpcbench
