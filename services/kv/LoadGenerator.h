// LoadGenerator: kv_client's load mode. Opens `connections` MRPC channels
// and keeps `concurrency` calls in flight on each (closed loop) until
// `calls` have completed, then reports throughput and latency percentiles.
//
// Thread contract: run() blocks its caller (not a loop thread) and owns the
// client loops it starts.
#ifndef SERVICES_KV_LOADGENERATOR_H_
#define SERVICES_KV_LOADGENERATOR_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "muduo/net/InetAddress.h"

namespace muduo::kv {

struct LoadOptions {
  enum class Op { kGet, kPut };
  Op op = Op::kGet;
  int64_t calls = 100000;
  int connections = 50;
  int concurrency = 1;   // calls in flight per connection
  int threads = 1;       // client I/O threads
  int64_t keys = 10000;  // keys are "key<i>" for i in [0, keys)
  size_t valueSize = 100;
  std::chrono::seconds timeout{300};
};

struct LoadResult {
  int64_t ok = 0;
  int64_t errors = 0;
  std::string firstError;
  double seconds = 0;
  int64_t p50Us = 0;
  int64_t p99Us = 0;
  int64_t p999Us = 0;
  int64_t maxUs = 0;
  [[nodiscard]] double callsPerSecond() const {
    return seconds > 0 ? static_cast<double>(ok + errors) / seconds : 0;
  }
  // "50000 calls in 1.23 s: 40650 calls/s, p50 1.1 ms, p99 2.0 ms, ..."
  [[nodiscard]] std::string summary() const;
};

[[nodiscard]] LoadResult runLoad(const net::InetAddress& server, const LoadOptions& options);

}  // namespace muduo::kv

#endif  // SERVICES_KV_LOADGENERATOR_H_
