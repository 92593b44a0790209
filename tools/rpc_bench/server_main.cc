// rpc_bench_server: the server for rpc_bench; see BenchServer.h and run.sh.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "muduo/net/EventLoop.h"
#include "tools/rpc_bench/BenchServer.h"

ABSL_FLAG(std::string, address, "127.0.0.1", "address to listen on");
ABSL_FLAG(int, port, 0, "port; 0 picks a free one");
ABSL_FLAG(int, io_threads, 0, "I/O threads; 0 serves in the accepting thread");

int main(int argc, char* argv[]) {
  absl::ParseCommandLine(argc, argv);
  const auto addr = muduo::net::InetAddress::parse(
      absl::GetFlag(FLAGS_address), static_cast<uint16_t>(absl::GetFlag(FLAGS_port)));
  if (!addr) {
    fprintf(stderr, "bad --address\n");
    return 2;
  }
  muduo::net::EventLoop loop;
  rpcbench::BenchServer server(&loop, *addr, absl::GetFlag(FLAGS_io_threads));
  server.start();
  printf("rpc_bench_server listening on %s\n", server.listenAddress().toIpPort().c_str());
  fflush(stdout);
  loop.loop();
}
