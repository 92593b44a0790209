// Histogram: a log-linear latency histogram. Values are bucketed by their
// power of two and then into kSubBuckets linear steps inside it, so every
// recorded value is known to within 1/kSubBuckets (about 3%) at any scale,
// in a fixed 16 KB and O(1) per record.
//
// Not thread-safe: keep one per thread and merge() them, or guard it.
#ifndef MUDUO_BASE_HISTOGRAM_H_
#define MUDUO_BASE_HISTOGRAM_H_

#include <array>
#include <cstdint>
#include <string>

namespace muduo {

class Histogram {
 public:
  static constexpr int kSubBucketBits = 5;
  static constexpr int kSubBuckets = 1 << kSubBucketBits;

  void record(int64_t value);
  void merge(const Histogram& other);

  [[nodiscard]] int64_t count() const { return count_; }
  [[nodiscard]] int64_t min() const { return count_ > 0 ? min_ : 0; }
  [[nodiscard]] int64_t max() const { return max_; }
  [[nodiscard]] double mean() const {
    return count_ > 0 ? static_cast<double>(sum_) / static_cast<double>(count_) : 0;
  }
  // The smallest bucket upper bound below which `q` (0..1) of the values
  // lie, clamped to max().
  [[nodiscard]] int64_t percentile(double q) const;

  // "p50 12 p99 30 p99.9 41 max 77"
  [[nodiscard]] std::string summary() const;

 private:
  static constexpr int kBuckets = 64 * kSubBuckets;
  static int bucketOf(int64_t value);
  static int64_t upperBoundOf(int bucket);

  std::array<int64_t, kBuckets> counts_{};
  int64_t count_ = 0;
  int64_t sum_ = 0;
  int64_t min_ = INT64_MAX;
  int64_t max_ = 0;
};

}  // namespace muduo

#endif  // MUDUO_BASE_HISTOGRAM_H_
