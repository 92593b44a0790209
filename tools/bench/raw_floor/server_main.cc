// raw_floor_server: the no-library epoll echo server; see RawFloor.h.
//   raw_floor_server --mode=echo|mrpc|http [--port=0]
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tools/bench/raw_floor/RawFloor.h"

int main(int argc, char* argv[]) {
  rawfloor::Mode mode = rawfloor::Mode::kEcho;
  long port = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--mode=", 0) == 0 && rawfloor::parseMode(arg.substr(7), &mode)) continue;
    if (arg.rfind("--port=", 0) == 0) {
      port = strtol(arg.c_str() + 7, nullptr, 10);
      if (port >= 0 && port < 65536) continue;
    }
    fprintf(stderr,
            "raw_floor_server: bad argument %s\n"
            "usage: raw_floor_server --mode=echo|mrpc|http [--port=0]\n"
            "  The kernel's floor for the echo, RPC and HTTP hello benchmarks: one thread, epoll,\n"
            "  no library code.\n",
            argv[i]);
    return 2;
  }
  uint16_t bound = 0;
  const int fd = rawfloor::listenLoopback(static_cast<uint16_t>(port), &bound);
  if (fd < 0) {
    fprintf(stderr, "raw_floor_server: cannot listen on port %ld: %s\n", port, strerror(errno));
    return 1;
  }
  printf("raw_floor_server listening on 127.0.0.1:%u\n", bound);
  fflush(stdout);
  std::atomic<bool> stop{false};  // runs until killed
  const int error = rawfloor::runServer(fd, mode, &stop);
  if (error != 0) fprintf(stderr, "raw_floor_server: %s\n", strerror(error));
  return error == 0 ? 0 : 1;
}
