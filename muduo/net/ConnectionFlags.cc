#include "muduo/net/ConnectionFlags.h"

#include <cstdint>

#include "absl/flags/flag.h"

ABSL_FLAG(int64_t, request_timeout_ms, -1,
          "a request that has started to arrive must be complete within this many ms, plus one "
          "second per --min_request_rate bytes received (slow clients are closed); 0 turns it "
          "off; -1 keeps the server's default");
ABSL_FLAG(int64_t, min_request_rate, -1,
          "bytes per second of a request's body that extend its deadline by one second each; -1 "
          "keeps the server's default");
ABSL_FLAG(int64_t, idle_timeout_ms, -1,
          "close a connection on which no byte moved either way for this many ms; 0 turns it "
          "off; -1 keeps the server's default");
ABSL_FLAG(int64_t, output_budget_kib, -1,
          "stop reading from a client once this many KiB of answers wait for it to read, and "
          "resume below a quarter of it; -1 keeps the server's default");

namespace muduo::net {

ConnectionOptions connectionOptionsFromFlags(const ConnectionOptions& defaults) {
  ConnectionOptions options = defaults;
  if (const int64_t ms = absl::GetFlag(FLAGS_request_timeout_ms); ms >= 0) {
    options.requestTimeout = std::chrono::milliseconds(ms);
  }
  if (const int64_t rate = absl::GetFlag(FLAGS_min_request_rate); rate >= 0) {
    options.minRequestBytesPerSecond = static_cast<size_t>(rate);
  }
  if (const int64_t ms = absl::GetFlag(FLAGS_idle_timeout_ms); ms >= 0) {
    options.idleTimeout = std::chrono::milliseconds(ms);
  }
  if (const int64_t kib = absl::GetFlag(FLAGS_output_budget_kib); kib > 0) {
    options.outputHighWaterMark = static_cast<size_t>(kib) * 1024;
    options.outputLowWaterMark = options.outputHighWaterMark / 4;
  }
  return options;
}

}  // namespace muduo::net
