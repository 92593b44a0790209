// conn_scale: resident memory per idle connection in a TcpServer.
//   tools/bazel run --config=opt //tools/conn_scale -- --connections=10000
#include <cstdio>

#include "absl/flags/flag.h"
#include "muduo/base/ProgramFlags.h"
#include "tools/conn_scale/ConnScale.h"

ABSL_FLAG(int, connections, 10000, "idle connections to hold");
ABSL_FLAG(int, threads, 1, "server I/O threads");
ABSL_FLAG(int, server_pid, 0,
          "measure this already running server process instead of an in-process TcpServer");
ABSL_FLAG(int, port, 0, "with --server_pid: the port it listens on at 127.0.0.1");
ABSL_FLAG(int, source_addresses, 1, "spread client sockets over 127.0.0.1..N");

int main(int argc, char* argv[]) {
  muduo::parseProgramFlags(
      argc, argv,
      {"conn_scale [flags]",
       "Measures the resident memory each idle connection costs a TcpServer (or, with "
       "--server_pid, any running server): opens --connections loopback connections and prints "
       "bytes per connection.",
       {"conn_scale --connections=10000 --threads=2",
        "conn_scale --connections=10000 --server_pid=1234 --port=5555"}});
  connscale::Options options;
  options.connections = absl::GetFlag(FLAGS_connections);
  options.serverThreads = absl::GetFlag(FLAGS_threads);
  options.sourceAddresses = absl::GetFlag(FLAGS_source_addresses);
  const int pid = absl::GetFlag(FLAGS_server_pid);
  const int port = absl::GetFlag(FLAGS_port);
  if (pid != 0 && (port <= 0 || port > 65535)) {
    fprintf(stderr, "conn_scale: --server_pid needs the --port it listens on\n");
    return 2;
  }
  const auto result =
      pid != 0 ? connscale::runConnScaleAgainst(options, pid, static_cast<uint16_t>(port))
               : connscale::runConnScale(options);
  if (!result.ok()) {
    fprintf(stderr, "conn_scale: %s\n", result.status().ToString().c_str());
    return 1;
  }
  printf(
      "conn_scale: %d idle connections, server RSS %.1f MiB -> %.1f MiB, %.0f bytes per "
      "connection\n",
      result->connections, static_cast<double>(result->rssBefore) / (1 << 20),
      static_cast<double>(result->rssAfter) / (1 << 20), result->bytesPerConnection());
}
