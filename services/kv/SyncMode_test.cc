#include "services/kv/SyncMode.h"

#include <gtest/gtest.h>

namespace muduo::kv {
namespace {

TEST(SyncModeTest, RedisAppendfsyncWordsParseToTheirModes) {
  EXPECT_EQ(parseSyncMode("always"), SyncMode::kAlways);
  EXPECT_EQ(parseSyncMode("everysec"), SyncMode::kEverySec);
  EXPECT_EQ(parseSyncMode("no"), SyncMode::kNone);
}

TEST(SyncModeTest, OurOwnWordsStillParseAndNoneIsAnAliasOfNo) {
  EXPECT_EQ(parseSyncMode("batch"), SyncMode::kBatch);
  EXPECT_EQ(parseSyncMode("none"), SyncMode::kNone);
  EXPECT_STREQ(syncModeName(*parseSyncMode("none")), "no");
}

TEST(SyncModeTest, AnythingElseIsRefused) {
  for (const char* name : {"", "ALWAYS", "every_sec", "yes", "sometimes"}) {
    EXPECT_EQ(parseSyncMode(name), std::nullopt) << name;
  }
}

TEST(SyncModeTest, EveryModeHasANameThatParsesBackAndARedisEquivalent) {
  for (SyncMode mode :
       {SyncMode::kAlways, SyncMode::kBatch, SyncMode::kEverySec, SyncMode::kNone}) {
    EXPECT_EQ(parseSyncMode(syncModeName(mode)), mode);
  }
  EXPECT_STREQ(appendfsyncName(SyncMode::kAlways), "always");
  EXPECT_STREQ(appendfsyncName(SyncMode::kBatch), "always") << "the same promise";
  EXPECT_STREQ(appendfsyncName(SyncMode::kEverySec), "everysec");
  EXPECT_STREQ(appendfsyncName(SyncMode::kNone), "no");
}

TEST(SyncModeTest, OnlyAlwaysAndBatchWaitForASyncBeforeAcknowledging) {
  EXPECT_TRUE(syncsBeforeAcknowledging(SyncMode::kAlways));
  EXPECT_TRUE(syncsBeforeAcknowledging(SyncMode::kBatch));
  EXPECT_FALSE(syncsBeforeAcknowledging(SyncMode::kEverySec));
  EXPECT_FALSE(syncsBeforeAcknowledging(SyncMode::kNone));
}

}  // namespace
}  // namespace muduo::kv
