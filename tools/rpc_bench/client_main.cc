// rpc_bench: drives an rpc_bench_server and prints calls/s and latency.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "absl/flags/flag.h"
#include "muduo/base/ProgramFlags.h"
#include "muduo/net/EventLoop.h"
#include "tools/rpc_bench/BenchClient.h"

ABSL_FLAG(std::string, address, "127.0.0.1", "server address");
ABSL_FLAG(int, busy_poll_us, 0,
          "busy-poll budget of every event loop (EventLoop::setBusyPoll); 0 is off");
ABSL_FLAG(int, port, 0, "server port");
ABSL_FLAG(int, connections, 50, "connections (one RpcChannel each)");
ABSL_FLAG(int, outstanding, 1, "calls in flight per connection (closed loop)");
ABSL_FLAG(int, payload, 16, "request payload bytes (echoed back)");
ABSL_FLAG(int, threads, 1, "client I/O threads");
ABSL_FLAG(double, rate, 0, "open loop: total calls per second; 0 = closed loop");
ABSL_FLAG(double, slow_fraction, 0, "share of calls the server answers after 5 ms");
ABSL_FLAG(double, seconds, 5, "measured duration");
ABSL_FLAG(std::string, cluster, "",
          "balance over this naming URL (list://127.0.0.1:5556,127.0.0.1:5557) through a "
          "ClusterChannel per connection, instead of an RpcChannel to --address:--port");
ABSL_FLAG(std::string, policy, "round_robin",
          "with --cluster: round_robin, weighted_round_robin, random, power_of_two, "
          "consistent_hash");
ABSL_FLAG(int, kill_pid, 0, "SIGKILL this process (a server) --kill_after seconds into the run");
ABSL_FLAG(double, kill_after, 1, "with --kill_pid: seconds into the measurement");

namespace {

std::string micros(const muduo::Histogram& h) {
  auto us = [](int64_t ns) { return static_cast<double>(ns) / 1000.0; };
  char buf[160];
  snprintf(buf, sizeof buf, "p50 %.1f p99 %.1f p99.9 %.1f max %.1f us", us(h.percentile(0.5)),
           us(h.percentile(0.99)), us(h.percentile(0.999)), us(h.max()));
  return buf;
}

}  // namespace

int main(int argc, char* argv[]) {
  muduo::parseProgramFlags(argc, argv,
                           {"rpc_bench --port=N [flags]",
                            "Drives an rpc_bench_server and prints calls/s and latency percentiles "
                            "(closed loop, or open loop with --rate).",
                            {"rpc_bench --port=5556 --connections=50 --seconds=5"}});
  const auto addr = muduo::net::InetAddress::parse(
      absl::GetFlag(FLAGS_address), static_cast<uint16_t>(absl::GetFlag(FLAGS_port)));
  if (absl::GetFlag(FLAGS_cluster).empty() && (!addr || absl::GetFlag(FLAGS_port) == 0)) {
    fprintf(stderr, "need --address and --port of a running rpc_bench_server\n");
    return 2;
  }
  rpcbench::BenchOptions options;
  options.connections = absl::GetFlag(FLAGS_connections);
  options.outstanding = absl::GetFlag(FLAGS_outstanding);
  options.payloadSize = static_cast<size_t>(absl::GetFlag(FLAGS_payload));
  options.threads = absl::GetFlag(FLAGS_threads);
  options.rate = absl::GetFlag(FLAGS_rate);
  options.slowFraction = absl::GetFlag(FLAGS_slow_fraction);
  options.cluster = absl::GetFlag(FLAGS_cluster);
  options.policy = absl::GetFlag(FLAGS_policy);
  options.killPid = absl::GetFlag(FLAGS_kill_pid);
  options.killAfter =
      std::chrono::milliseconds(static_cast<int64_t>(absl::GetFlag(FLAGS_kill_after) * 1000));
  options.duration =
      std::chrono::milliseconds(static_cast<int64_t>(absl::GetFlag(FLAGS_seconds) * 1000));

  muduo::net::EventLoop::setDefaultBusyPoll(
      std::chrono::microseconds(std::max(0, absl::GetFlag(FLAGS_busy_poll_us))));
  muduo::net::EventLoop loop;
  rpcbench::BenchResult result;
  {
    rpcbench::BenchClient client(&loop, addr.value_or(muduo::net::InetAddress()), options);
    result = client.run();
  }
  printf("rpc_bench: %s, %d conns x %d outstanding, %zu B payload, %d client threads",
         options.rate > 0 ? "open loop" : "closed loop", options.connections, options.outstanding,
         options.payloadSize, options.threads);
  if (options.rate > 0) printf(", target %.0f calls/s", options.rate);
  if (options.slowFraction > 0) printf(", %.1f%% slow", options.slowFraction * 100);
  printf("\n  %.0f calls/s (%lld ok, %lld errors in %.2f s); latency %s\n", result.callsPerSecond(),
         static_cast<long long>(result.calls), static_cast<long long>(result.errors),
         result.seconds, micros(result.latencyNs).c_str());
  if (!options.cluster.empty())
    printf("  through ClusterChannel (%s) over %s\n", options.policy.c_str(),
           options.cluster.c_str());
  if (options.killPid > 0) {
    printf("  failover: %lld failed calls after the kill; the last %.1f ms after it\n",
           static_cast<long long>(result.errorsAfterKill), result.lastErrorAfterKillMs);
  }
  if (options.slowFraction > 0) {
    printf("  fast calls only: latency %s\n", micros(result.fastLatencyNs).c_str());
  }
}
