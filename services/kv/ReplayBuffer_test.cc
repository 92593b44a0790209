#include "services/kv/ReplayBuffer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "services/kv/LogFormat.h"
#include "services/kv/Table.h"

namespace muduo::kv {
namespace {

// Everything a Table holds, for comparing two.
void expectSameTable(const Table& actual, const Table& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  EXPECT_EQ(actual.bytes(), expected.bytes());
  EXPECT_EQ(actual.expiringKeys(), expected.expiringKeys());
  auto a = actual.map().begin();
  for (auto e = expected.map().begin(); e != expected.map().end(); ++e, ++a) {
    ASSERT_EQ(a->first, e->first);
    EXPECT_EQ(*a->second, *e->second) << e->first;
    EXPECT_EQ(actual.expireAt(a->first), expected.expireAt(e->first)) << e->first;
  }
  std::vector<std::string> actualExpired, expectedExpired;
  actual.collectExpired(INT64_MAX, SIZE_MAX, &actualExpired);
  expected.collectExpired(INT64_MAX, SIZE_MAX, &expectedExpired);
  EXPECT_EQ(actualExpired, expectedExpired);
}

// A random record: puts (some expiring), deletes, expiry changes and, rarely,
// a clear, over a small key space so that keys are hit repeatedly.
std::string randomRecord(std::mt19937_64& rng, bool clears) {
  std::string payload;
  const int ops = 1 + static_cast<int>(rng() % 8);
  for (int i = 0; i < ops; ++i) {
    // Keys of different lengths and shared prefixes exercise the sort.
    std::string key = "k" + std::to_string(rng() % 60);
    if (rng() % 4 == 0) key += std::string(rng() % 20, 'x');
    switch (rng() % 10) {
      case 0:
      case 1:
      case 2:
        log::appendPut(&payload, key, std::string(rng() % 30, 'a' + rng() % 26));
        break;
      case 3:
      case 4:
        log::appendPut(&payload, key, "e", 1000 + rng() % 100);
        break;
      case 5:
      case 6:
        log::appendDelete(&payload, key);
        break;
      case 7:
      case 8:
        log::appendSetExpiry(&payload, key, rng() % 3 == 0 ? 0 : 2000 + rng() % 100);
        break;
      case 9:
        if (clears && rng() % 8 == 0) log::appendClear(&payload);
        break;
    }
  }
  return payload;
}

void fillBase(std::mt19937_64& rng, Table* table) {
  for (int i = 0; i < 40; ++i) {
    table->put("k" + std::to_string(rng() % 60), "base", rng() % 3 == 0 ? 500 + i : 0);
  }
}

TEST(ReplayBufferTest, GivesWhatApplyingEachRecordInOrderGives) {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    std::mt19937_64 rng(seed);
    Table expected, actual;
    if (seed % 2 == 0) {
      std::mt19937_64 baseRng(seed * 7);
      fillBase(baseRng, &expected);
      baseRng.seed(seed * 7);
      fillBase(baseRng, &actual);
    }
    std::vector<std::string> records;
    ReplayBuffer buffer(&actual);
    const int count = 1 + static_cast<int>(rng() % 50);
    for (int r = 0; r < count; ++r) {
      records.push_back(randomRecord(rng, /*clears=*/seed % 3 == 0));
      ASSERT_TRUE(expected.applyMutations(records.back()));
      ASSERT_TRUE(buffer.add(records.back()));
    }
    buffer.flush();
    SCOPED_TRACE(seed);
    expectSameTable(actual, expected);
    EXPECT_TRUE(buffer.empty());
  }
}

TEST(ReplayBufferTest, AnExpiryForAKeyOnlyTheTableHasReachesIt) {
  Table table;
  table.put(std::string_view("a"), "1");
  std::string payload;
  log::appendSetExpiry(&payload, "a", 5000);
  log::appendSetExpiry(&payload, "missing", 5000);
  ReplayBuffer buffer(&table);
  ASSERT_TRUE(buffer.add(payload));
  buffer.flush();
  EXPECT_EQ(table.expireAt("a"), 5000);
  EXPECT_EQ(table.find("missing"), nullptr);
  EXPECT_EQ(table.expiringKeys(), 1u);
}

TEST(ReplayBufferTest, AClearDropsTheTableAndEverythingBufferedBeforeIt) {
  Table table;
  table.put(std::string_view("old"), "1");
  std::string payload;
  log::appendPut(&payload, "before", "2");
  log::appendClear(&payload);
  log::appendPut(&payload, "after", "3");
  log::appendSetExpiry(&payload, "old", 9000);  // gone: no effect
  ReplayBuffer buffer(&table);
  ASSERT_TRUE(buffer.add(payload));
  buffer.flush();
  ASSERT_EQ(table.size(), 1u);
  EXPECT_NE(table.find("after"), nullptr);
  EXPECT_EQ(table.expiringKeys(), 0u);
}

TEST(ReplayBufferTest, AMalformedPayloadAddsNothing) {
  std::string payload;
  log::appendPut(&payload, "a", "1");
  payload.push_back('\x7f');  // an unknown op kind
  Table table;
  ReplayBuffer buffer(&table);
  EXPECT_FALSE(buffer.add(payload));
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(table.size(), 0u);
}

TEST(ReplayBufferTest, KeysThatShareALongPrefixComeOutInOrder) {
  // Sorting compares 8 bytes after the common prefix first; ties, shorter
  // keys and zero bytes must still order as std::string does.
  const std::vector<std::string> keys = {"prefix-0123456789abcdef-tail",
                                         "prefix-0123456789abcdef",
                                         "prefix-0123456789",
                                         std::string("prefix-01234567\0", 16),
                                         "prefix-01234567",
                                         "prefix-0123456789abcdeg",
                                         "prefix-",
                                         "prefix-\xff"};
  std::string payload;
  log::appendDelete(&payload, "prefix-05");  // buffered: so every put after it is too
  for (const std::string& key : keys) log::appendPut(&payload, key, "v");
  Table table;
  table.put(std::string_view("prefix-05"), "first");
  ReplayBuffer buffer(&table);
  ASSERT_TRUE(buffer.add(payload));
  EXPECT_EQ(buffer.keys(), keys.size() + 1);
  buffer.flush();
  Table expected;
  expected.put(std::string_view("prefix-05"), "first");
  ASSERT_TRUE(expected.applyMutations(payload));
  expectSameTable(table, expected);
}

TEST(ReplayBufferTest, PutsGoStraightIntoTheTableUntilAnOpIsBuffered) {
  Table table;
  ReplayBuffer buffer(&table);
  std::string payload;
  log::appendPut(&payload, "b", "2");
  log::appendPut(&payload, "a", "1");  // in any order: the table sorts lazily
  ASSERT_TRUE(buffer.add(payload));
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(table.size(), 2u);

  payload.clear();
  log::appendDelete(&payload, "b");    // buffered
  log::appendPut(&payload, "a", "3");  // behind a buffered op: buffered too
  log::appendPut(&payload, "c", "4");
  ASSERT_TRUE(buffer.add(payload));
  EXPECT_EQ(buffer.keys(), 3u);
  EXPECT_EQ(*table.find("a"), "1");
  buffer.flush();
  EXPECT_EQ(*table.find("a"), "3");
  EXPECT_EQ(*table.find("c"), "4");
  EXPECT_EQ(table.find("b"), nullptr);
}

}  // namespace
}  // namespace muduo::kv
