#include "services/kv/Crc32c.h"

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace muduo::kv::crc32c {
namespace {

TEST(Crc32cTest, MatchesTheStandardCheckValues) {
  // RFC 3720 (iSCSI) appendix B.4 and the usual "123456789" check value.
  EXPECT_EQ(value("123456789"), 0xe3069283u);
  EXPECT_EQ(value(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(value(std::string(32, '\xff')), 0x62a8ab43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  EXPECT_EQ(value(ascending), 0x46dd794eu);
  EXPECT_EQ(value(""), 0u);
}

TEST(Crc32cTest, ExtendingPieceByPieceEqualsTheWhole) {
  const std::string data = "The quick brown fox jumps over the lazy dog, twice over.";
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    const std::string_view whole(data);
    EXPECT_EQ(extend(value(whole.substr(0, cut)), whole.substr(cut)), value(whole)) << cut;
  }
}

TEST(Crc32cTest, HardwareAndPortableAgreeOnEveryLengthAndAlignment) {
  std::mt19937 rng(42);
  std::string data(4096 + 16, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t offset = 0; offset < 16; ++offset) {
    for (size_t len : {0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4096}) {
      const std::string_view piece(data.data() + offset, len);
      ASSERT_EQ(extend(0, piece), extendPortable(0, piece)) << offset << " " << len;
      ASSERT_EQ(extend(0x12345678, piece), extendPortable(0x12345678, piece));
    }
  }
}

TEST(Crc32cTest, EverySingleBitFlipChangesTheChecksum) {
  std::string data(64, 'a');
  const uint32_t original = value(data);
  for (size_t i = 0; i < data.size() * 8; ++i) {
    data[i / 8] = static_cast<char>(data[i / 8] ^ (1 << (i % 8)));
    EXPECT_NE(value(data), original) << "bit " << i;
    data[i / 8] = static_cast<char>(data[i / 8] ^ (1 << (i % 8)));
  }
}

}  // namespace
}  // namespace muduo::kv::crc32c
