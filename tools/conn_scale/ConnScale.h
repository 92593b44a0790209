// ConnScale: how much user-space memory a TcpServer spends per idle
// connection. A forked child opens `connections` sockets to a server in this
// process (spread over several 127.0.0.x source addresses, so more than one
// address's worth of ephemeral ports is available), keeps them idle, and the
// server's resident-set growth is divided by the count.
//
// Thread contract: call runConnScale() from a process's main thread before
// it starts any other thread (it forks); runConnScaleAgainst() from any one
// thread.
#ifndef TOOLS_CONN_SCALE_CONNSCALE_H_
#define TOOLS_CONN_SCALE_CONNSCALE_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace connscale {

struct Options {
  int connections = 10000;
  int serverThreads = 1;
  int sourceAddresses = 1;  // 127.0.0.1 .. 127.0.0.N
  std::chrono::seconds timeout{120};
};

struct Result {
  int connections = 0;
  int64_t rssBefore = 0;  // bytes, with the server listening and no connections
  int64_t rssAfter = 0;   // bytes, with every connection established and idle
  [[nodiscard]] double bytesPerConnection() const {
    return connections > 0 ? static_cast<double>(rssAfter - rssBefore) / connections : 0;
  }
};

// The same measurement against a server already running in another process
// (any server, ours or a peer's, listening on 127.0.0.1:port): this process
// opens the connections itself, waits until the server holds that many more
// descriptors (/proc/<pid>/fd), and divides the growth of the server's
// resident set by the count. options.serverThreads is not used.
[[nodiscard]] absl::StatusOr<Result> runConnScaleAgainst(const Options& options, int serverPid,
                                                         uint16_t port);

// Raises RLIMIT_NOFILE (soft and, when permitted, hard) to at least `fds`.
// Returns the soft limit in force afterwards.
int64_t raiseFdLimit(int64_t fds);

[[nodiscard]] absl::StatusOr<Result> runConnScale(const Options& options);

}  // namespace connscale

#endif  // TOOLS_CONN_SCALE_CONNSCALE_H_
