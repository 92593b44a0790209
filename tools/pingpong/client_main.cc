// pingpong_client: drives a pingpong_server and prints the throughput it read.
#include <cstdio>

#include "absl/flags/flag.h"
#include "muduo/base/ProgramFlags.h"
#include "muduo/net/EventLoop.h"
#include "tools/pingpong/PingPongClient.h"

ABSL_FLAG(std::string, address, "127.0.0.1", "server address");
ABSL_FLAG(int, port, 0, "server port");
ABSL_FLAG(int, threads, 1, "client I/O threads");
ABSL_FLAG(int, block_size, 16 * 1024, "bytes each session sends at the start");
ABSL_FLAG(int, sessions, 100, "concurrent connections");
ABSL_FLAG(double, seconds, 10, "how long to run once the first session is up");

int main(int argc, char* argv[]) {
  muduo::parseProgramFlags(argc, argv,
                           {"pingpong_client --port=N [flags]",
                            "Drives a pingpong_server with --sessions connections that bounce "
                            "--block_size bytes, and prints the throughput it read.",
                            {"pingpong_client --port=5555 --sessions=100 --seconds=10"}});
  const auto addr = muduo::net::InetAddress::parse(
      absl::GetFlag(FLAGS_address), static_cast<uint16_t>(absl::GetFlag(FLAGS_port)));
  if (!addr || absl::GetFlag(FLAGS_port) == 0) {
    fprintf(stderr, "need --address and --port of a running pingpong_server\n");
    return 2;
  }
  pingpong::PingPongClient::Options options;
  options.threads = absl::GetFlag(FLAGS_threads);
  options.blockSize = static_cast<size_t>(absl::GetFlag(FLAGS_block_size));
  options.sessions = absl::GetFlag(FLAGS_sessions);
  options.duration =
      std::chrono::milliseconds(static_cast<int64_t>(absl::GetFlag(FLAGS_seconds) * 1000));

  muduo::net::EventLoop loop;
  pingpong::PingPongClient client(&loop, *addr, options);
  const pingpong::PingPongResult result = client.run();
  printf("pingpong: %d sessions x %zu bytes, %d threads, %.2f s: %.1f MiB/s, %.0f messages/s\n",
         options.sessions, options.blockSize, options.threads, result.seconds,
         result.mebibytesPerSecond(), static_cast<double>(result.messagesRead) / result.seconds);
}
