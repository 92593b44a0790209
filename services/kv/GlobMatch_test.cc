#include "services/kv/GlobMatch.h"

#include <string>

#include "gtest/gtest.h"

namespace muduo::kv {
namespace {

TEST(GlobMatchTest, StarMatchesAnyRunIncludingEmpty) {
  EXPECT_TRUE(globMatch("*", ""));
  EXPECT_TRUE(globMatch("*", "anything"));
  EXPECT_TRUE(globMatch("k:*", "k:"));
  EXPECT_TRUE(globMatch("k:*", "k:123"));
  EXPECT_FALSE(globMatch("k:*", "x:123"));
  EXPECT_TRUE(globMatch("*a*b*", "xxaxxbxx"));
  EXPECT_FALSE(globMatch("*a*b*", "xxbxxaxx"));
  EXPECT_TRUE(globMatch("a**b", "ab"));
  EXPECT_TRUE(globMatch("*abc", "ababc"));  // needs the star to backtrack
}

TEST(GlobMatchTest, QuestionMarkMatchesExactlyOneByte) {
  EXPECT_TRUE(globMatch("h?llo", "hello"));
  EXPECT_TRUE(globMatch("h?llo", "hallo"));
  EXPECT_FALSE(globMatch("h?llo", "hllo"));
  EXPECT_FALSE(globMatch("?", ""));
}

TEST(GlobMatchTest, BracketsMatchSetsRangesAndNegations) {
  EXPECT_TRUE(globMatch("h[ae]llo", "hello"));
  EXPECT_TRUE(globMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(globMatch("h[ae]llo", "hillo"));
  EXPECT_FALSE(globMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(globMatch("h[^e]llo", "hallo"));
  EXPECT_TRUE(globMatch("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(globMatch("h[b-a]llo", "hallo")) << "a reversed range is swapped, as in Redis";
  EXPECT_FALSE(globMatch("h[a-b]llo", "hcllo"));
  EXPECT_TRUE(globMatch("[\\]]", "]"));
  // As in Redis, "a-]" is a range from 'a' to ']' (swapped: ']'..'a'), and
  // the bracket is then left open.
  EXPECT_TRUE(globMatch("[a-]", "^"));
  EXPECT_FALSE(globMatch("[a-]", "-"));
  EXPECT_TRUE(globMatch("x[abc", "xc")) << "an open bracket runs to the end";
}

TEST(GlobMatchTest, BackslashEscapesTheNextByte) {
  EXPECT_TRUE(globMatch("a\\*b", "a*b"));
  EXPECT_FALSE(globMatch("a\\*b", "axb"));
  EXPECT_TRUE(globMatch("\\?", "?"));
  EXPECT_FALSE(globMatch("\\?", "x"));
  EXPECT_TRUE(globMatch("a\\", "a\\")) << "a trailing backslash matches itself";
}

TEST(GlobMatchTest, BinaryBytesAndCaseFolding) {
  EXPECT_TRUE(globMatch(std::string("a\0*", 3), std::string("a\0\xff", 3)));
  EXPECT_FALSE(globMatch("ABC", "abc"));
  EXPECT_TRUE(globMatch("ABC", "abc", /*ignoreCase=*/true));
  EXPECT_TRUE(globMatch("[A-C]x", "bX", /*ignoreCase=*/true));
}

TEST(GlobMatchTest, AHostilePatternFinishesQuickly) {
  // Exponential for a naive recursive matcher; linear passes here.
  const std::string subject(10000, 'a');
  std::string pattern;
  for (int i = 0; i < 30; ++i) pattern += "*a";
  pattern += "b";
  EXPECT_FALSE(globMatch(pattern, subject));
}

}  // namespace
}  // namespace muduo::kv
