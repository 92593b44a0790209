#include "rpc/cluster/HashRing.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace muduo::rpc::cluster {
namespace {

constexpr int kKeys = 20000;

std::vector<int> owners(const HashRing& ring) {
  std::vector<int> out;
  for (uint64_t key = 0; key < kKeys; ++key) {
    out.push_back(ring.lookup(key, [](size_t) { return true; }));
  }
  return out;
}

HashRing ringOf(const std::vector<std::string>& names) {
  std::vector<std::string_view> views(names.begin(), names.end());
  HashRing ring;
  ring.build(views, std::vector<uint32_t>(names.size(), 1));
  return ring;
}

TEST(HashRingTest, TheHashIsAFixedFunctionSoEveryProcessPlacesANameAlike) {
  // Pinned values: a change here moves every key of every deployed client.
  EXPECT_EQ(HashRing::hash(""), HashRing::mix(14695981039346656037ULL));
  EXPECT_EQ(HashRing::hash("10.0.0.1:9090#0"), HashRing::hash("10.0.0.1:9090#0"));
  EXPECT_NE(HashRing::hash("10.0.0.1:9090#0"), HashRing::hash("10.0.0.1:9090#1"));
  EXPECT_EQ(HashRing::mix(0), 0u);
  EXPECT_EQ(HashRing::mix(1), 0x5692161d100b05e5ULL);
}

TEST(HashRingTest, ThreeEqualBackendsShareTheKeysRoughlyEvenly) {
  const HashRing ring = ringOf({"10.0.0.1:9090", "10.0.0.2:9090", "10.0.0.3:9090"});
  EXPECT_EQ(ring.points(), 3 * HashRing::kDefaultPointsPerWeight);
  std::vector<int> count(3);
  for (int owner : owners(ring)) ++count[static_cast<size_t>(owner)];
  for (int c : count) {
    EXPECT_GT(c, kKeys / 3 * 0.8) << "share far from a third";
    EXPECT_LT(c, kKeys / 3 * 1.2) << "share far from a third";
  }
}

TEST(HashRingTest, AddingAFourthBackendMovesAboutAQuarterOfTheKeysAllToIt) {
  const auto before = owners(ringOf({"10.0.0.1:9090", "10.0.0.2:9090", "10.0.0.3:9090"}));
  const auto after =
      owners(ringOf({"10.0.0.1:9090", "10.0.0.2:9090", "10.0.0.3:9090", "10.0.0.4:9090"}));
  int moved = 0;
  for (int k = 0; k < kKeys; ++k) {
    if (before[k] != after[k]) {
      ++moved;
      EXPECT_EQ(after[k], 3) << "a key moved between two old backends";
    }
  }
  EXPECT_GT(moved, kKeys * 15 / 100);
  EXPECT_LT(moved, kKeys * 35 / 100);
}

TEST(HashRingTest, RemovingABackendMovesOnlyTheKeysItOwned) {
  const auto before = owners(ringOf({"a:1", "b:1", "c:1", "d:1"}));
  const auto after = owners(ringOf({"a:1", "b:1", "d:1"}));  // c gone; d is index 2 now
  const int remap[] = {0, 1, -1, 2};
  for (int k = 0; k < kKeys; ++k) {
    if (before[k] != 2) {
      EXPECT_EQ(after[k], remap[before[k]]) << "key " << k;
    }
  }
}

TEST(HashRingTest, AnUnusableOwnerPassesItsKeysClockwiseAndTheOthersStay) {
  const HashRing ring = ringOf({"a:1", "b:1", "c:1"});
  const auto all = owners(ring);
  for (uint64_t key = 0; key < 2000; ++key) {
    const int owner = ring.lookup(key, [](size_t i) { return i != 1; });
    if (all[key] != 1) {
      EXPECT_EQ(owner, all[key]);
    } else {
      EXPECT_NE(owner, 1);
      EXPECT_GE(owner, 0);
    }
  }
  EXPECT_EQ(ring.lookup(7, [](size_t) { return false; }), -1);
}

TEST(HashRingTest, WeightsScaleTheShare) {
  std::vector<std::string_view> names = {"a:1", "b:1"};
  HashRing ring;
  ring.build(names, {3, 1});
  int first = 0;
  for (int owner : owners(ring)) first += owner == 0;
  EXPECT_GT(first, kKeys * 65 / 100);
  EXPECT_LT(first, kKeys * 85 / 100);
}

}  // namespace
}  // namespace muduo::rpc::cluster
