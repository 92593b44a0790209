// pingpong_server: echoes everything; see PingPongClient.h and run.sh.
#include <cstdio>

#include "absl/flags/flag.h"
#include "muduo/base/ProgramFlags.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/ListenFlags.h"
#include "tools/pingpong/PingPongServer.h"

ABSL_FLAG(int, port, 0, "port to listen on; 0 picks a free one");
ABSL_FLAG(int, threads, 1, "I/O threads; 0 serves in the accepting thread");

int main(int argc, char* argv[]) {
  muduo::parseProgramFlags(
      argc, argv,
      {"pingpong_server [flags]",
       "Echoes every byte it reads; the server side of the pingpong throughput benchmark.",
       {"pingpong_server --port=5555 --threads=2"}});
  const absl::StatusOr<muduo::net::InetAddress> addr =
      muduo::net::listenAddressFromFlags(absl::GetFlag(FLAGS_port), "port");
  if (!addr.ok()) return muduo::net::reportStartupFailure("pingpong_server", addr.status());
  muduo::net::EventLoop loop;
  pingpong::PingPongServer server(&loop, *addr, absl::GetFlag(FLAGS_threads));
  if (!server.listenStatus().ok()) {
    return muduo::net::reportStartupFailure("pingpong_server", server.listenStatus());
  }
  server.start();
  printf("pingpong_server listening on %s\n", server.listenAddress().toIpPort().c_str());
  fflush(stdout);
  loop.loop();
}
