#include "muduo/base/Histogram.h"

#include "gtest/gtest.h"

namespace muduo {
namespace {

TEST(HistogramTest, SmallValuesAreExact) {
  Histogram h;
  for (int v = 0; v < 32; ++v) h.record(v);
  EXPECT_EQ(h.count(), 32);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 31);
  EXPECT_EQ(h.percentile(0.5), 15);
  EXPECT_EQ(h.percentile(1.0), 31);
}

TEST(HistogramTest, LargeValuesAreWithinThreePercent) {
  for (int64_t v : {100, 1000, 12345, 1000000, 987654321}) {
    Histogram h;
    h.record(v);
    const int64_t p = h.percentile(0.5);
    EXPECT_GE(p, v);  // an upper bound, clamped to max
    EXPECT_LE(p, v);  // one value: clamped to exactly max
    Histogram two;
    two.record(v);
    two.record(2 * v);
    EXPECT_GE(two.percentile(0.5), v);
    EXPECT_LE(two.percentile(0.5), v + v / 32 + 1);
  }
}

TEST(HistogramTest, PercentilesOfAUniformSpread) {
  Histogram h;
  for (int v = 1; v <= 100000; ++v) h.record(v);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.5)), 50000, 50000 * 0.04);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.99)), 99000, 99000 * 0.04);
  EXPECT_EQ(h.percentile(1.0), 100000);
  EXPECT_DOUBLE_EQ(h.mean(), 50000.5);
}

TEST(HistogramTest, MergeAddsCountsAndKeepsExtremes) {
  Histogram a;
  Histogram b;
  a.record(5);
  b.record(500);
  b.record(7);
  a.merge(b);
  EXPECT_EQ(a.count(), 3);
  EXPECT_EQ(a.min(), 5);
  EXPECT_EQ(a.max(), 500);
  EXPECT_EQ(a.percentile(0.5), 7);
}

}  // namespace
}  // namespace muduo
