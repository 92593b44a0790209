#include "muduo/net/ConnectionFlags.h"

#include <cstdint>
#include <limits>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

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

namespace {

// Ten years: beyond it a deadline no longer fits the clock's arithmetic in
// microseconds, and no peer is waited for that long anyway.
constexpr int64_t kMaxTimeoutMs = int64_t{10} * 365 * 24 * 3600 * 1000;
// 1 TiB in KiB: far beyond any machine's memory, far below wrapping 64 bits.
constexpr int64_t kMaxBudgetKib = int64_t{1} << 30;

// The flag's value, checked against [-1, max]; -1 means "the default".
absl::StatusOr<int64_t> flagInRange(const absl::Flag<int64_t>& flag, const char* name,
                                    int64_t max) {
  const int64_t value = absl::GetFlag(flag);
  if (value < -1 || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, "=", value, " is out of range (-1 to ", max, ")"));
  }
  return value;
}

}  // namespace

absl::StatusOr<ConnectionOptions> connectionOptionsFromFlags(const ConnectionOptions& defaults) {
  ConnectionOptions options = defaults;
  const absl::StatusOr<int64_t> requestMs =
      flagInRange(FLAGS_request_timeout_ms, "request_timeout_ms", kMaxTimeoutMs);
  if (!requestMs.ok()) return requestMs.status();
  if (*requestMs >= 0) options.requestTimeout = std::chrono::milliseconds(*requestMs);
  const absl::StatusOr<int64_t> rate =
      flagInRange(FLAGS_min_request_rate, "min_request_rate", std::numeric_limits<int64_t>::max());
  if (!rate.ok()) return rate.status();
  if (*rate >= 0) options.minRequestBytesPerSecond = static_cast<size_t>(*rate);
  const absl::StatusOr<int64_t> idleMs =
      flagInRange(FLAGS_idle_timeout_ms, "idle_timeout_ms", kMaxTimeoutMs);
  if (!idleMs.ok()) return idleMs.status();
  if (*idleMs >= 0) options.idleTimeout = std::chrono::milliseconds(*idleMs);
  const absl::StatusOr<int64_t> kib =
      flagInRange(FLAGS_output_budget_kib, "output_budget_kib", kMaxBudgetKib);
  if (!kib.ok()) return kib.status();
  if (*kib > 0) {
    options.outputHighWaterMark = static_cast<size_t>(*kib) * 1024;
    options.outputLowWaterMark = options.outputHighWaterMark / 4;
  }
  return options;
}

}  // namespace muduo::net
