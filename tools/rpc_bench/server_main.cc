// rpc_bench_server: the server for rpc_bench; see BenchServer.h and run.sh.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>

#include "absl/flags/flag.h"
#include "muduo/base/ProgramFlags.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/ListenFlags.h"
#include "tools/rpc_bench/BenchServer.h"

ABSL_FLAG(int, busy_poll_us, 0,
          "busy-poll budget of every event loop (EventLoop::setBusyPoll); 0 is off");
ABSL_FLAG(int, port, 0, "port; 0 picks a free one");
ABSL_FLAG(int, io_threads, 0, "I/O threads; 0 serves in the accepting thread");
ABSL_FLAG(int64_t, exit_after_calls, 0,
          "exit once this many fast calls have been answered (a fixed amount of work for "
          "callgrind, strace -c or valgrind); 0 serves until killed");

int main(int argc, char* argv[]) {
  muduo::parseProgramFlags(argc, argv,
                           {"rpc_bench_server [flags]",
                            "The server for rpc_bench: answers its echo calls over MRPC.",
                            {"rpc_bench_server --port=5556 --io_threads=2"}});
  const absl::StatusOr<muduo::net::InetAddress> addr =
      muduo::net::listenAddressFromFlags(absl::GetFlag(FLAGS_port), "port");
  if (!addr.ok()) return muduo::net::reportStartupFailure("rpc_bench_server", addr.status());
  muduo::net::EventLoop::setDefaultBusyPoll(
      std::chrono::microseconds(std::max(0, absl::GetFlag(FLAGS_busy_poll_us))));
  muduo::net::EventLoop loop;
  rpcbench::BenchServer server(&loop, *addr, absl::GetFlag(FLAGS_io_threads));
  if (!server.listenStatus().ok()) {
    return muduo::net::reportStartupFailure("rpc_bench_server", server.listenStatus());
  }
  if (absl::GetFlag(FLAGS_exit_after_calls) > 0) {
    server.quitAfter(absl::GetFlag(FLAGS_exit_after_calls), &loop);
  }
  server.start();
  printf("rpc_bench_server listening on %s\n", server.listenAddress().toIpPort().c_str());
  fflush(stdout);
  loop.loop();
  printf("rpc_bench_server: answered %lld calls\n", static_cast<long long>(server.callsAnswered()));
}
