#include "services/kv/cluster/SlotMap.h"

#include <gtest/gtest.h>

namespace muduo::kv::cluster {
namespace {

SlotMap threeNodes() {
  SlotMap map;
  map.setEpoch(3);
  map.addNode({"n1", "127.0.0.1:9091", "127.0.0.1:6381"});
  map.addNode({"n2", "127.0.0.1:9092", "127.0.0.1:6382"});
  map.addNode({"n3", "127.0.0.1:9093", ""});
  map.assignEvenly();
  return map;
}

TEST(SlotMapTest, AssignEvenlyCoversEverySlotInContiguousRuns) {
  const SlotMap map = threeNodes();
  const std::vector<SlotMap::Range> ranges = map.ranges();
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0].first, 0);
  EXPECT_EQ(ranges[0].last, 5460);
  EXPECT_EQ(ranges[1].first, 5461);
  EXPECT_EQ(ranges[2].last, kSlotCount - 1);
  EXPECT_EQ(map.slotsOf(0) + map.slotsOf(1) + map.slotsOf(2), kSlotCount);
  EXPECT_EQ(map.owner(0)->id, "n1");
  EXPECT_EQ(map.owner(kSlotCount - 1)->id, "n3");
}

TEST(SlotMapTest, SerializeThenParseGivesTheSameMap) {
  SlotMap map = threeNodes();
  map.assign(100, 100, 2);  // one slot moved: the runs split around it
  map.assign(200, 210, -1);
  const std::string text = map.serialize();
  const absl::StatusOr<SlotMap> parsed = SlotMap::parse(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, map);
  EXPECT_EQ(parsed->serialize(), text);
  EXPECT_EQ(parsed->owner(100)->id, "n3");
  EXPECT_EQ(parsed->owner(205), nullptr);
  EXPECT_NE(text.find("slots 100 n3\n"), std::string::npos) << text;
}

TEST(SlotMapTest, SemicolonsSeparateLinesOnTheCommandLine) {
  const absl::StatusOr<SlotMap> map =
      SlotMap::parse("epoch 1; node a 127.0.0.1:1 -; node b h:2; slots 0-99 a; slots 100 b");
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_EQ(map->epoch(), 1u);
  EXPECT_EQ(map->owner(99)->id, "a");
  EXPECT_EQ(map->owner(100)->id, "b");
  EXPECT_EQ(map->owner(101), nullptr);
  EXPECT_TRUE(map->nodes()[0].respAddress.empty());
}

TEST(SlotMapTest, MalformedMapsAreRefusedNamingTheLine) {
  const std::pair<const char*, const char*> cases[] = {
      {"node a 127.0.0.1:1", "no 'epoch N'"},
      {"epoch x", "bad epoch"},
      {"epoch 1\nslots 0-5 a", "no such node"},
      {"epoch 1\nnode a 127.0.0.1:1\nslots 5-2 a", "not a slot range"},
      {"epoch 1\nnode a 127.0.0.1:1\nslots 0-16384 a", "not a slot range"},
      {"epoch 1\nnode a 127.0.0.1:1\nslots 0-9 a\nslots 9 a", "assigned twice"},
      {"epoch 1\nnode a 127.0.0.1:1\nnode a 127.0.0.1:2", "declared twice"},
      {"epoch 1\nnode a nowhere", "not host:port"},
      {"epoch 1\nnode a/b h:1", "node id"},
      {"epoch 1\nfrobnicate", "line 2"},
  };
  for (const auto& [text, why] : cases) {
    const absl::StatusOr<SlotMap> map = SlotMap::parse(text);
    ASSERT_FALSE(map.ok()) << text;
    EXPECT_EQ(map.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(map.status().message().find(why), std::string_view::npos)
        << text << " -> " << map.status();
  }
}

TEST(SlotMapTest, ParseSlotRangeTakesOneSlotOrAnInclusiveRange) {
  int first = 0;
  int last = 0;
  ASSERT_TRUE(parseSlotRange("7", &first, &last));
  EXPECT_EQ(first, 7);
  EXPECT_EQ(last, 7);
  ASSERT_TRUE(parseSlotRange("0-16383", &first, &last));
  EXPECT_EQ(last, 16383);
  EXPECT_FALSE(parseSlotRange("-1", &first, &last));
  EXPECT_FALSE(parseSlotRange("3-", &first, &last));
  EXPECT_FALSE(parseSlotRange("16384", &first, &last));
}

}  // namespace
}  // namespace muduo::kv::cluster
