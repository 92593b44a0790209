#include "muduo/base/Timestamp.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace muduo {
namespace {

using std::chrono_literals::operator""ms;
using std::chrono_literals::operator""us;
using ::testing::MatchesRegex;

// 2023-11-14 22:13:20 UTC.
constexpr time_t kSomeSecond = 1700000000;

TEST(TimestampTest, DefaultConstructedIsInvalid) {
  EXPECT_FALSE(Timestamp().valid());
  EXPECT_FALSE(Timestamp::invalid().valid());
  EXPECT_EQ(Timestamp(), Timestamp::invalid());
}

TEST(TimestampTest, NowIsValidCloseToTheSystemClockAndDoesNotGoBackwards) {
  const Timestamp first = Timestamp::now();
  const Timestamp second = Timestamp::now();
  EXPECT_TRUE(first.valid());
  // The system clock may be stepped by NTP; back-to-back reads still agree.
  EXPECT_LE(first, second);
  const Timestamp system = Timestamp::fromTimePoint(Timestamp::Clock::now());
  EXPECT_LT(system - second, std::chrono::seconds(1));
}

TEST(TimestampTest, FromUnixTimeCombinesSecondsAndMicroseconds) {
  const Timestamp t = Timestamp::fromUnixTime(kSomeSecond, 123456);
  EXPECT_EQ(t.microSecondsSinceEpoch(), int64_t{kSomeSecond} * 1000000 + 123456);
  EXPECT_EQ(t.secondsSinceEpoch(), kSomeSecond);
  EXPECT_TRUE(t.valid());
  static_assert(Timestamp::fromUnixTime(1, 2).microSecondsSinceEpoch() == 1000002);
}

TEST(TimestampTest, ToStringIsSecondsDotSixDigitMicroseconds) {
  EXPECT_EQ(Timestamp::fromUnixTime(kSomeSecond, 123456).toString(), "1700000000.123456");
  EXPECT_EQ(Timestamp::fromUnixTime(kSomeSecond, 7).toString(), "1700000000.000007");
}

TEST(TimestampTest, ToFormattedStringIsUtcDateTimeAndMicroseconds) {
  EXPECT_EQ(Timestamp::fromUnixTime(kSomeSecond, 123456).toFormattedString(),
            "20231114 22:13:20.123456");
  EXPECT_EQ(Timestamp::fromUnixTime(kSomeSecond, 7).toFormattedString(),
            "20231114 22:13:20.000007");
  EXPECT_EQ(Timestamp::fromUnixTime(kSomeSecond, 999999).toFormattedString(false),
            "20231114 22:13:20");
  EXPECT_EQ(Timestamp::fromUnixTime(0, 1).toFormattedString(), "19700101 00:00:00.000001");
}

// These used to print the microseconds with '/' and '+' for digits, and the
// second after the right one, because the negative remainder went unhandled.
TEST(TimestampTest, FormatsTimesBeforeTheEpoch) {
  const Timestamp t = Timestamp::fromUnixTime(-2, 500000);  // 1.5 s before the epoch
  EXPECT_EQ(t.toFormattedString(), "19691231 23:59:58.500000");
  EXPECT_EQ(t.toFormattedString(false), "19691231 23:59:58");
  EXPECT_EQ(t.toString(), "-1.500000");
  EXPECT_EQ(Timestamp(-1).toFormattedString(), "19691231 23:59:59.999999");
  EXPECT_EQ(Timestamp(-1).toString(), "-0.000001");
  EXPECT_EQ(Timestamp(INT64_MIN).toString(), "-9223372036854.775808");
}

// The per-thread cache once used -1 as its "empty" mark, which is the
// second just before the epoch; a fresh thread formatted it as empty text.
TEST(TimestampTest, FormatsTheSecondBeforeTheEpochAsTheFirstCallOnAThread) {
  std::string formatted;
  std::thread fresh([&formatted] { formatted = Timestamp::fromUnixTime(-1).toFormattedString(); });
  fresh.join();
  EXPECT_EQ(formatted, "19691231 23:59:59.000000");
}

TEST(TimestampTest, ToFormattedStringOfNowHasTheDocumentedShape) {
  EXPECT_THAT(Timestamp::now().toFormattedString(),
              MatchesRegex("[0-9]{8} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}"));
  EXPECT_THAT(Timestamp::now().toFormattedString(false),
              MatchesRegex("[0-9]{8} [0-9]{2}:[0-9]{2}:[0-9]{2}"));
}

// The date-and-time text is cached per thread; switching seconds back and
// forth must not serve the text of the other second.
TEST(TimestampTest, FormattingAlternatingSecondsGivesEachItsOwnText) {
  const Timestamp a = Timestamp::fromUnixTime(kSomeSecond, 1);
  const Timestamp b = Timestamp::fromUnixTime(kSomeSecond + 61, 2);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(a.toFormattedString(), "20231114 22:13:20.000001");
    EXPECT_EQ(b.toFormattedString(), "20231114 22:14:21.000002");
  }
}

TEST(TimestampTest, FormatToWritesTheFormattedTextAndANul) {
  char buf[Timestamp::kFormattedLength + 2];
  buf[Timestamp::kFormattedLength + 1] = 'x';
  const Timestamp t = Timestamp::fromUnixTime(kSomeSecond, 42);
  EXPECT_EQ(t.formatTo(buf), Timestamp::kFormattedLength);
  EXPECT_EQ(std::string(buf), t.toFormattedString());
  EXPECT_EQ(buf[Timestamp::kFormattedLength + 1], 'x');  // nothing written past the NUL
}

TEST(TimestampTest, RoundTripsThroughChronoTimePoints) {
  const Timestamp t = Timestamp::fromUnixTime(kSomeSecond, 654321);
  EXPECT_EQ(Timestamp::fromTimePoint(t.toTimePoint()), t);
  const auto tp = Timestamp::Clock::from_time_t(kSomeSecond) + 654321us;
  EXPECT_EQ(Timestamp::fromTimePoint(tp), t);
  // Finer clock ticks are truncated to whole microseconds.
  EXPECT_EQ(Timestamp::fromTimePoint(tp + std::chrono::nanoseconds(999)), t);
}

TEST(TimestampTest, AddsDurationsAndSubtractsToMicroseconds) {
  const Timestamp t = Timestamp::fromUnixTime(kSomeSecond, 500000);
  const Timestamp later = t + 1500ms;
  EXPECT_EQ(later, Timestamp::fromUnixTime(kSomeSecond + 2, 0));
  EXPECT_EQ(later - t, std::chrono::microseconds(1500000));
  EXPECT_EQ(t - later, std::chrono::microseconds(-1500000));

  Timestamp moved = t;
  moved += std::chrono::seconds(1);
  EXPECT_EQ(moved.secondsSinceEpoch(), kSomeSecond + 1);
}

TEST(TimestampTest, ComparesByTime) {
  const Timestamp early = Timestamp::fromUnixTime(kSomeSecond, 1);
  const Timestamp late = Timestamp::fromUnixTime(kSomeSecond, 2);
  EXPECT_LT(early, late);
  EXPECT_GT(late, early);
  EXPECT_LE(early, early);
  EXPECT_NE(early, late);
  EXPECT_EQ(early, Timestamp::fromUnixTime(kSomeSecond, 1));
}

}  // namespace
}  // namespace muduo
