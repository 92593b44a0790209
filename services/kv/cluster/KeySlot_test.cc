#include "services/kv/cluster/KeySlot.h"

#include <gtest/gtest.h>

namespace muduo::kv::cluster {
namespace {

TEST(KeySlotTest, Crc16IsTheXmodemVariantRedisUses) {
  // The check value of CRC-16/XMODEM, and Redis's own self-test vector.
  EXPECT_EQ(crc16("123456789"), 0x31C3);
  EXPECT_EQ(crc16(""), 0);
}

TEST(KeySlotTest, SlotsMatchWhatRedisClusterComputes) {
  // Values from Redis's documentation and `CLUSTER KEYSLOT` on a real cluster.
  EXPECT_EQ(keySlot("foo"), 12182);
  EXPECT_EQ(keySlot("bar"), 5061);
  EXPECT_EQ(keySlot("hello"), 866);
  EXPECT_EQ(keySlot("somekey"), 11058);
  EXPECT_EQ(keySlot("foo{hash_tag}"), 2515);
}

TEST(KeySlotTest, KeysWithTheSameHashTagShareASlot) {
  EXPECT_EQ(keySlot("{user1000}.following"), keySlot("{user1000}.followers"));
  EXPECT_EQ(keySlot("{user1000}.following"), keySlot("user1000"));
  EXPECT_EQ(keySlot("foo{bar}{zap}"), keySlot("bar"));
}

TEST(KeySlotTest, AnEmptyOrUnclosedTagHashesTheWholeKey) {
  EXPECT_EQ(hashTag("foo{}{bar}"), "foo{}{bar}");
  EXPECT_EQ(hashTag("foo{bar"), "foo{bar");
  EXPECT_EQ(hashTag("foo{{bar}}zap"), "{bar");
  EXPECT_EQ(hashTag("plain"), "plain");
}

TEST(KeySlotTest, EverySlotIsInRange) {
  for (int i = 0; i < 100000; ++i) {
    const int slot = keySlot("key:" + std::to_string(i));
    ASSERT_GE(slot, 0);
    ASSERT_LT(slot, kSlotCount);
  }
}

}  // namespace
}  // namespace muduo::kv::cluster
