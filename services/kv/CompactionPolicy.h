// CompactionPolicy: when the logs since the last snapshot are worth turning
// into a new one. Restart time is bounded by the log to replay, so compact
// once the logs hold more than both a floor (small stores never bother) and
// a multiple of the live data (a rewrite costs about the live data; doing it
// after `ratio` times that much log keeps the cost proportional to writes).
// After a failed compaction it waits for the log to double before trying
// again, so a persistent problem (a full disk) is not retried on every write.
//
// Thread contract: not thread-safe; the Compactor guards it.
#ifndef SERVICES_KV_COMPACTIONPOLICY_H_
#define SERVICES_KV_COMPACTIONPOLICY_H_

#include <cstdint>

namespace muduo::kv {

class CompactionPolicy {
 public:
  CompactionPolicy(uint64_t minBytes, double ratio) : minBytes_(minBytes), ratio_(ratio) {}

  [[nodiscard]] bool due(uint64_t logBytes, uint64_t liveBytes) const {
    return logBytes >= minBytes_ && logBytes >= retryBytes_ &&
           static_cast<double>(logBytes) >= ratio_ * static_cast<double>(liveBytes);
  }
  // A compaction over `logBytes` of log failed (or could not start).
  void failed(uint64_t logBytes) { retryBytes_ = logBytes * 2; }

 private:
  const uint64_t minBytes_;
  const double ratio_;
  uint64_t retryBytes_ = 0;  // no retry before the logs reach this
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_COMPACTIONPOLICY_H_
