// RawFloor: the kernel's floor for the echo benchmarks. A single-threaded
// epoll server and load client written on plain sockets with no library
// code, speaking the same bytes as the benchmarks they floor:
//   - Mode::kEcho: every byte read is written back (pingpong).
//   - Mode::kMrpc: MRPC frames (rpc/PROTOCOL.md). The server answers each
//     REQUEST with a RESPONSE carrying its call_id, status OK and the
//     request's payload unchanged, which for rpc_bench's BenchRequest
//     {payload} is the same bytes as BenchResponse {payload}; the client
//     sends rpc_bench's rpcbench.Bench/Echo requests.
//   - Mode::kHttp (server only; the load comes from wrk or h2load): every
//     request, which must have no body (a GET), is answered with the bytes
//     hello_server sends: status line, Date, Server, Connection, Content-Type,
//     Content-Length and "hello, world!\n". The request is not otherwise
//     looked at (no method, target or header checks), so this is the floor
//     of tools/bench/http_vs_nginx.sh's hello workload, not an HTTP server.
// Whatever one read brings is answered with one write, as a careful
// event-loop server would; nothing else is done per request.
//
// Thread contract: each function runs in the calling thread and returns when
// it is done; runServer() until *stop is set (checked every 100 ms).
#ifndef TOOLS_BENCH_RAW_FLOOR_RAWFLOOR_H_
#define TOOLS_BENCH_RAW_FLOOR_RAWFLOOR_H_

#include <atomic>
#include <cstdint>
#include <string>

namespace rawfloor {

enum class Mode { kEcho, kMrpc, kHttp };

// Parses "echo", "mrpc" or "http"; false for anything else.
bool parseMode(const std::string& text, Mode* mode);

// Binds 127.0.0.1:port (0 picks a free one) and listens. Returns the
// non-blocking listening fd, or -1 with errno set; *boundPort gets the port.
int listenLoopback(uint16_t port, uint16_t* boundPort);

// Serves listenFd until *stop. Returns 0, or an errno on a fatal error.
int runServer(int listenFd, Mode mode, const std::atomic<bool>* stop);

struct ClientOptions {
  uint16_t port = 0;
  Mode mode = Mode::kEcho;
  int connections = 10;
  size_t blockSize = 16384;  // kEcho: bytes each connection sends first
  int outstanding = 1;       // kMrpc: calls in flight per connection
  size_t payload = 16;       // kMrpc: request payload bytes
  double seconds = 2;        // measured time, after every connection is up
};

struct ClientResult {
  int error = 0;  // errno of the first failure, 0 when the run completed
  double seconds = 0;
  int64_t bytesRead = 0;  // kEcho: bytes echoed back inside the window
  int64_t calls = 0;      // kMrpc: responses read inside the window
};

ClientResult runClient(const ClientOptions& options);

}  // namespace rawfloor

#endif  // TOOLS_BENCH_RAW_FLOOR_RAWFLOOR_H_
