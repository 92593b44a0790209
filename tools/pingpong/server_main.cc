// pingpong_server: echoes everything; see PingPongClient.h and run.sh.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "muduo/net/EventLoop.h"
#include "tools/pingpong/PingPongServer.h"

ABSL_FLAG(std::string, address, "127.0.0.1", "address to listen on");
ABSL_FLAG(int, port, 0, "port to listen on; 0 picks a free one");
ABSL_FLAG(int, threads, 1, "I/O threads; 0 serves in the accepting thread");

int main(int argc, char* argv[]) {
  absl::ParseCommandLine(argc, argv);
  const auto addr = muduo::net::InetAddress::parse(
      absl::GetFlag(FLAGS_address), static_cast<uint16_t>(absl::GetFlag(FLAGS_port)));
  if (!addr) {
    fprintf(stderr, "bad --address %s\n", absl::GetFlag(FLAGS_address).c_str());
    return 2;
  }
  muduo::net::EventLoop loop;
  pingpong::PingPongServer server(&loop, *addr, absl::GetFlag(FLAGS_threads));
  server.start();
  printf("pingpong_server listening on %s\n", server.listenAddress().toIpPort().c_str());
  fflush(stdout);
  loop.loop();
}
