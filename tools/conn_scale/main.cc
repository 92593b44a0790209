// conn_scale: resident memory per idle connection in a TcpServer.
//   tools/bazel run --config=opt //tools/conn_scale -- --connections=10000
#include <cstdio>

#include "absl/flags/flag.h"
#include "muduo/base/ProgramFlags.h"
#include "tools/conn_scale/ConnScale.h"

ABSL_FLAG(int, connections, 10000, "idle connections to hold");
ABSL_FLAG(int, threads, 1, "server I/O threads");
ABSL_FLAG(int, source_addresses, 1, "spread client sockets over 127.0.0.1..N");

int main(int argc, char* argv[]) {
  muduo::parseProgramFlags(
      argc, argv,
      {"conn_scale [flags]",
       "Measures the resident memory each idle connection costs a TcpServer: opens --connections "
       "loopback connections and prints bytes per connection.",
       {"conn_scale --connections=10000 --threads=2"}});
  connscale::Options options;
  options.connections = absl::GetFlag(FLAGS_connections);
  options.serverThreads = absl::GetFlag(FLAGS_threads);
  options.sourceAddresses = absl::GetFlag(FLAGS_source_addresses);
  const auto result = connscale::runConnScale(options);
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
