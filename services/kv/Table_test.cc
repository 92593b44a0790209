#include "services/kv/Table.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace muduo::kv {
namespace {

void putIn(Table& table, std::string_view key, std::string_view value, int64_t expireAt = 0) {
  table.put(key, value, expireAt);
}

// The table's order and lookups, checked against std::map.
void expectMatches(const Table& table, const std::map<std::string, std::string>& model) {
  ASSERT_EQ(table.size(), model.size());
  ASSERT_EQ(table.map().size(), model.size());
  uint64_t bytes = 0;
  auto it = table.map().begin();
  for (const auto& [key, value] : model) {
    ASSERT_EQ(it->first, key);
    ASSERT_EQ(*it->second, value) << key;
    const std::string* found = table.find(key);
    ASSERT_NE(found, nullptr) << key;
    // The order's value is the lookup's value, not a copy.
    EXPECT_EQ(found, it->second) << key;
    bytes += key.size() + value.size();
    ++it;
  }
  EXPECT_EQ(table.bytes(), bytes);
}

TEST(TableTest, KeysInRandomOrderIterateInKeyOrder) {
  Table table;
  std::map<std::string, std::string> model;
  std::mt19937 rng(7);
  for (int i = 0; i < 5000; ++i) {
    // Long keys live outside the string: the views must follow the node.
    std::string key = "key:" + std::to_string(rng() % 3000) + std::string(i % 3 == 0 ? 20 : 0, 'x');
    std::string value = std::to_string(i);
    model[key] = value;
    if (i % 2 == 0) {
      table.put(std::string(key), std::move(value));
    } else {
      table.put(std::string_view(key), std::string_view(value));
    }
  }
  expectMatches(table, model);
}

TEST(TableTest, AnOverwriteReplacesTheValueAndItsBytesInPlace) {
  Table table;
  putIn(table, "a", "1");
  putIn(table, "b", "22");
  const std::string* before = table.find("a");
  putIn(table, "a", "333");
  EXPECT_EQ(table.find("a"), before);
  expectMatches(table, {{"a", "333"}, {"b", "22"}});
}

TEST(TableTest, EraseRemovesTheKeyFromLookupAndOrder) {
  Table table;
  std::map<std::string, std::string> model;
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "k" + std::to_string(i);
    putIn(table, key, "v" + std::to_string(i));
    model[key] = "v" + std::to_string(i);
  }
  for (int i = 0; i < 1000; i += 3) {
    const std::string key = "k" + std::to_string(i);
    EXPECT_TRUE(table.erase(key));
    EXPECT_FALSE(table.erase(key));
    model.erase(key);
  }
  EXPECT_EQ(table.find("k0"), nullptr);
  expectMatches(table, model);
  // Erased keys can come back.
  putIn(table, "k0", "again");
  model["k0"] = "again";
  expectMatches(table, model);
}

TEST(TableTest, ExpiryTimesFollowPutsAndErases) {
  Table table;
  putIn(table, "a", "1", 100);
  putIn(table, "b", "2");
  EXPECT_EQ(table.expireAt("a"), 100);
  EXPECT_EQ(table.findLive("a", [] { return int64_t{100}; }), nullptr);
  EXPECT_NE(table.findLive("a", [] { return int64_t{99}; }), nullptr);
  EXPECT_TRUE(table.setExpiry("b", 50));
  EXPECT_FALSE(table.setExpiry("missing", 50));
  std::vector<std::string> expired;
  table.collectExpired(100, 10, &expired);
  EXPECT_EQ(expired, (std::vector<std::string>{"b", "a"}));
  EXPECT_TRUE(table.erase("b"));
  EXPECT_EQ(table.expiringKeys(), 1u);
  putIn(table, "a", "3");  // a put without a time drops it
  EXPECT_EQ(table.expireAt("a"), 0);
}

TEST(TableTest, ClearAndMoveKeepLookupAndOrderTogether) {
  Table table;
  for (int i = 0; i < 100; ++i) putIn(table, "long-key-number-" + std::to_string(i), "v");
  Table moved = std::move(table);
  std::map<std::string, std::string> model;
  for (int i = 0; i < 100; ++i) model["long-key-number-" + std::to_string(i)] = "v";
  expectMatches(moved, model);
  moved.clear();
  expectMatches(moved, {});
  putIn(moved, "x", "y");
  expectMatches(moved, {{"x", "y"}});
}

// New keys join the order only when map() is called: puts, erases and
// clears between two calls (of keys ordered already and of keys not yet)
// must leave it exactly the model.
TEST(TableTest, TheOrderFollowsChangesMadeBetweenReadsOfIt) {
  Table table;
  std::map<std::string, std::string> model;
  std::mt19937 rng(11);
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 200; ++i) {
      const std::string key = "key:" + std::to_string(rng() % 2000) + "-padding-past-sso";
      if (rng() % 4 == 0) {
        EXPECT_EQ(table.erase(key), model.erase(key) == 1) << key;
      } else {
        const std::string value = std::to_string(round) + ":" + std::to_string(i);
        putIn(table, key, value);
        model[key] = value;
      }
    }
    if (round % 3 != 2) expectMatches(table, model);  // some rounds pile up unordered keys
    if (round == 20) {
      table.clear();
      model.clear();
    }
  }
  expectMatches(table, model);
}

// map() sorts the new keys in a const method: readers that share the table
// (the Store's, under its read lock) may call it at once.
TEST(TableTest, ReadersMaySortTheNewKeysAtOnce) {
  Table table;
  constexpr int kKeys = 3000;
  for (int i = kKeys - 1; i >= 0; --i) putIn(table, "k" + std::to_string(i), "v");
  std::vector<size_t> seen(4);
  std::vector<std::thread> readers;
  for (size_t r = 0; r < seen.size(); ++r) {
    readers.emplace_back([&table, &seen, r] {
      std::string last;
      for (const auto& [key, value] : table.map()) {
        if (!last.empty() && !(last < key)) return;
        last = key;
        ++seen[r];
      }
    });
  }
  for (std::thread& t : readers) t.join();
  for (size_t n : seen) EXPECT_EQ(n, static_cast<size_t>(kKeys));
}

}  // namespace
}  // namespace muduo::kv
