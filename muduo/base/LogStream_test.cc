#include "muduo/base/LogStream.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace muduo {
namespace {

std::string text(const LogStream& s) { return s.buffer().toString(); }

TEST(LogStreamTest, FormatsBooleansAndCharacters) {
  LogStream s;
  s << true << ' ' << false << 'x';
  EXPECT_EQ(text(s), "true falsex");
}

TEST(LogStreamTest, FormatsEveryIntegerWidthIncludingExtremes) {
  LogStream s;
  s << static_cast<short>(-7) << ' ' << static_cast<unsigned short>(65535) << ' '
    << std::numeric_limits<int>::min() << ' ' << std::numeric_limits<unsigned>::max() << ' '
    << std::numeric_limits<int64_t>::min() << ' ' << std::numeric_limits<uint64_t>::max() << ' '
    << static_cast<signed char>(-5) << ' ' << 0;
  EXPECT_EQ(text(s),
            "-7 65535 -2147483648 4294967295 -9223372036854775808 18446744073709551615 -5 0");
}

TEST(LogStreamTest, FormatsFloatingPointInShortestRoundTripForm) {
  LogStream s;
  s << 0.1 << ' ' << 1.5f << ' ' << -2.0 << ' ' << 1e300;
  EXPECT_EQ(text(s), "0.1 1.5 -2 1e+300");
}

TEST(LogStreamTest, FormatsPointersAsHexAndStringsAsText) {
  LogStream s;
  const void* p = reinterpret_cast<const void*>(static_cast<uintptr_t>(0xbeef));
  const char* null = nullptr;
  s << p << ' ' << "abc" << ' ' << std::string("def") << ' ' << std::string_view("ghi") << ' '
    << null;
  EXPECT_EQ(text(s), "0xbeef abc def ghi (null)");
}

TEST(LogStreamTest, TruncatesTextAtCapacityWithoutOverflow) {
  LogStream s;
  const std::string big(kSmallBuffer + 100, 'a');
  s << big;
  EXPECT_EQ(s.buffer().length(), kSmallBuffer);
  EXPECT_EQ(s.buffer().avail(), 0u);
  s << "more" << 12345 << 'c';
  EXPECT_EQ(s.buffer().length(), kSmallBuffer);
}

TEST(LogStreamTest, NeverWritesHalfANumber) {
  LogStream s;
  s << std::string(kSmallBuffer - 3, 'a');
  s << 123456;  // needs 6 bytes, 3 are left
  EXPECT_EQ(s.buffer().length(), kSmallBuffer - 3);
  s << 12;
  EXPECT_EQ(s.buffer().view().substr(kSmallBuffer - 3), "12");
}

TEST(LogStreamTest, ResetStartsAgainAtTheBeginning) {
  LogStream s;
  s << "abc";
  s.resetBuffer();
  s << 1;
  EXPECT_EQ(text(s), "1");
}

}  // namespace
}  // namespace muduo
