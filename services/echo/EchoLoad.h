// runLoad(): echo_client's load mode. Keeps `concurrency` Echo calls in
// flight over `connections` channels until `calls` have completed, and
// reports calls/s and latency percentiles.
//
// Thread contract: call from any thread but `loop`'s; the calls run there.
#ifndef SERVICES_ECHO_ECHOLOAD_H_
#define SERVICES_ECHO_ECHOLOAD_H_

#include <cstdint>
#include <string>

#include "muduo/base/Histogram.h"
#include "muduo/net/InetAddress.h"

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::echo {

struct LoadOptions {
  int64_t calls = 100000;
  int concurrency = 50;
  int connections = 1;
  std::string text = "hello";
};

struct LoadResult {
  int64_t ok = 0;
  int64_t failed = 0;
  double seconds = 0;
  muduo::Histogram latencyNs;
  [[nodiscard]] double callsPerSecond() const {
    return seconds > 0 ? static_cast<double>(ok) / seconds : 0;
  }
  // "p50 40.1 p99 95.0 p99.9 180.2 max 900.4 us"
  [[nodiscard]] std::string latencySummary() const;
};

LoadResult runLoad(net::EventLoop* loop, const net::InetAddress& server,
                   const LoadOptions& options);

}  // namespace muduo::echo

#endif  // SERVICES_ECHO_ECHOLOAD_H_
