// ScanCursors: stateless prefix cursors round-trip to the smallest key they
// cover; remembered cursors resume exactly and are forgotten oldest first
// within the count and byte bounds.
#include "services/kv/ScanCursors.h"

#include <string>

#include "gtest/gtest.h"

namespace muduo::kv {
namespace {

TEST(ScanCursorsTest, APrefixCursorResumesAtTheSmallestKeyWithTheSameSevenBytes) {
  ScanCursors cursors;
  const uint64_t c = ScanCursors::prefixCursor("session:1234");
  EXPECT_TRUE(ScanCursors::isPrefixCursor(c));
  EXPECT_EQ(c, ScanCursors::prefixCursor("session:9"));
  EXPECT_EQ(cursors.resumeAt(c), "session");
  EXPECT_EQ(cursors.resumeAt(ScanCursors::prefixCursor("ab")), "ab");
  EXPECT_EQ(ScanCursors::prefixCursor(std::string("\0\0", 2)), 0u);
  EXPECT_EQ(cursors.resumeAt(ScanCursors::prefixCursor("\xff\xff\xff\xff\xff\xff\xff\xff")),
            std::string(7, '\xff'));
  EXPECT_EQ(cursors.size(), 0u) << "stateless cursors cost nothing";
}

TEST(ScanCursorsTest, ARememberedCursorResumesExactlyUntilForgotten) {
  ScanCursors cursors;
  const uint64_t first = cursors.remember("session:42");
  EXPECT_FALSE(ScanCursors::isPrefixCursor(first));
  EXPECT_EQ(cursors.resumeAt(first), "session:42");
  EXPECT_EQ(cursors.resumeAt(first + 1), std::nullopt) << "never handed out";
  for (size_t i = 0; i < ScanCursors::kMaxCursors; ++i) (void)cursors.remember("k");
  EXPECT_EQ(cursors.resumeAt(first), std::nullopt) << "the oldest goes first";
  EXPECT_EQ(cursors.size(), ScanCursors::kMaxCursors);
}

TEST(ScanCursorsTest, BigKeysAreBoundedInBytes) {
  ScanCursors cursors;
  const std::string big(64 << 10, 'k');
  for (int i = 0; i < 2000; ++i) (void)cursors.remember(big);
  EXPECT_LE(cursors.size() * big.size(), ScanCursors::kMaxBytes);
  EXPECT_GE(cursors.size() * big.size(), ScanCursors::kMaxBytes - big.size());
}

}  // namespace
}  // namespace muduo::kv
