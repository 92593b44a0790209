// BenchClient: the load side of rpc_bench.
//
// Closed loop (rate == 0): each of `connections` channels keeps
// `outstanding` Echo calls in flight; a completion issues the next.
// Open loop (rate > 0): calls are sent at a fixed total rate, and latency is
// measured from each call's intended send time, so a stalled server shows
// up as latency rather than as fewer samples (no coordinated omission).
// With slowFraction > 0 that share of calls asks the server to answer after
// 5 ms on a worker; latency is then reported for the other calls too.
//
// With `cluster` (a naming URL, list://a:p,b:p) each "connection" is a
// rpc::cluster::ClusterChannel over those servers instead of an RpcChannel
// to `server`: the balancing layer's cost per call, and with killPid the
// time from a server's death (SIGKILL sent by run() itself, so the instant
// is known) to the last failed call any client saw because of it.
//
// Thread contract: construct, run() and destroy in one thread.
#ifndef TOOLS_RPC_BENCH_BENCHCLIENT_H_
#define TOOLS_RPC_BENCH_BENCHCLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "muduo/base/Histogram.h"
#include "muduo/net/InetAddress.h"

namespace muduo::net {
class EventLoop;
class EventLoopThreadPool;
}  // namespace muduo::net

namespace rpcbench {

struct BenchOptions {
  int connections = 50;
  int outstanding = 1;
  size_t payloadSize = 16;
  int threads = 1;
  double rate = 0;          // calls per second in total; 0 = closed loop
  double slowFraction = 0;  // 0.01 = 1% slow calls
  std::chrono::milliseconds duration{5000};
  std::chrono::milliseconds warmup{500};
  std::string cluster;  // a naming URL: balance over it instead of `server`
  std::string policy = "round_robin";
  int killPid = 0;                         // > 0: SIGKILL this process...
  std::chrono::milliseconds killAfter{0};  // ...this long into the measurement
};

struct BenchResult {
  int64_t calls = 0;   // completed OK within the measured window
  int64_t errors = 0;  // completed with a non-OK status
  double seconds = 0;
  muduo::Histogram latencyNs;      // every call
  muduo::Histogram fastLatencyNs;  // calls not marked slow
  // With killPid: errors after the kill, and the last one's delay from it.
  int64_t errorsAfterKill = 0;
  double lastErrorAfterKillMs = 0;
  [[nodiscard]] double callsPerSecond() const {
    return seconds > 0 ? static_cast<double>(calls) / seconds : 0;
  }
};

class BenchClient {
 public:
  BenchClient(muduo::net::EventLoop* baseLoop, const muduo::net::InetAddress& server,
              BenchOptions options);
  ~BenchClient();
  BenchClient(const BenchClient&) = delete;
  BenchClient& operator=(const BenchClient&) = delete;

  BenchResult run();

 private:
  class Connection;

  const BenchOptions options_;
  std::unique_ptr<muduo::net::EventLoopThreadPool> pool_;
  std::vector<std::unique_ptr<Connection>> connections_;
};

}  // namespace rpcbench

#endif  // TOOLS_RPC_BENCH_BENCHCLIENT_H_
