// raw_floor_client: the no-library load client; see RawFloor.h.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tools/bench/raw_floor/RawFloor.h"

namespace {

const char kUsage[] =
    "usage: raw_floor_client --port=N [--mode=echo|mrpc] [--connections=10] [--block_size=16384]\n"
    "                        [--outstanding=1] [--payload=16] [--seconds=2]\n"
    "  echo: each connection sends --block_size bytes and echoes back what it reads (pingpong).\n"
    "  mrpc: each connection keeps --outstanding rpc_bench Echo calls in flight.\n";

bool flag(const std::string& arg, const char* name, double* value) {
  const std::string prefix = std::string("--") + name + "=";
  if (arg.rfind(prefix, 0) != 0) return false;
  char* end = nullptr;
  *value = strtod(arg.c_str() + prefix.size(), &end);
  return end != nullptr && *end == '\0' && *value >= 0;
}

}  // namespace

int main(int argc, char* argv[]) {
  rawfloor::ClientOptions o;
  double port = 0, connections = o.connections, block = static_cast<double>(o.blockSize),
         outstanding = o.outstanding, payload = static_cast<double>(o.payload);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg.rfind("--mode=", 0) == 0 && rawfloor::parseMode(arg.substr(7), &o.mode)) ||
        flag(arg, "port", &port) || flag(arg, "connections", &connections) ||
        flag(arg, "block_size", &block) || flag(arg, "outstanding", &outstanding) ||
        flag(arg, "payload", &payload) || flag(arg, "seconds", &o.seconds)) {
      continue;
    }
    fprintf(stderr, "raw_floor_client: bad argument %s\n%s", argv[i], kUsage);
    return 2;
  }
  if (o.mode == rawfloor::Mode::kHttp) {
    fprintf(stderr, "raw_floor_client: no http client here; load --mode=http servers with wrk\n");
    return 2;
  }
  if (port < 1 || port > 65535 || connections < 1 || block < 1 || outstanding < 1) {
    fprintf(stderr, "raw_floor_client: need --port of a running raw_floor_server\n%s", kUsage);
    return 2;
  }
  o.port = static_cast<uint16_t>(port);
  o.connections = static_cast<int>(connections);
  o.blockSize = static_cast<size_t>(block);
  o.outstanding = static_cast<int>(outstanding);
  o.payload = static_cast<size_t>(payload);
  const rawfloor::ClientResult r = rawfloor::runClient(o);
  if (r.error != 0) {
    fprintf(stderr, "raw_floor_client: %s\n", strerror(r.error));
    return 1;
  }
  if (o.mode == rawfloor::Mode::kEcho) {
    printf("raw_floor_client: echo %d connections x %zu bytes, %.2f s: %.1f MiB/s, %lld bytes\n",
           o.connections, o.blockSize, r.seconds,
           static_cast<double>(r.bytesRead) / r.seconds / (1 << 20),
           static_cast<long long>(r.bytesRead));
  } else {
    printf(
        "raw_floor_client: mrpc %d connections x %d outstanding, %zu B payload, %.2f s: "
        "%.0f calls/s, %lld calls\n",
        o.connections, o.outstanding, o.payload, r.seconds,
        static_cast<double>(r.calls) / r.seconds, static_cast<long long>(r.calls));
  }
}
