#include "services/chat/RoomRegistry.h"

#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "services/chat/FakeSink.h"

namespace muduo::chat {
namespace {

using testing::FakeSink;
using testing::FakeSinkState;

std::shared_ptr<FakeSinkState> join(RoomRegistry& rooms, const std::string& room,
                                    const std::string& name) {
  auto [sink, state] = FakeSink::make();
  const absl::Status status = rooms.join(room, name, &sink);
  EXPECT_TRUE(status.ok()) << status;
  return state;
}

void cancel(const std::shared_ptr<FakeSinkState>& member) {
  MutexLock lock(&member->mutex);
  member->cancelled = true;
}

using Rooms = std::vector<std::pair<std::string, size_t>>;

TEST(RoomRegistryTest, AFirstJoinMakesTheRoomAndTheLastLeaveForgetsIt) {
  RoomRegistry rooms({});
  EXPECT_TRUE(rooms.rooms().empty());
  auto alice = join(rooms, "lobby", "alice");
  auto bob = join(rooms, "lobby", "bob");
  auto carol = join(rooms, "attic", "carol");
  EXPECT_EQ(rooms.rooms(), (Rooms{{"attic", 1}, {"lobby", 2}}));
  EXPECT_EQ(*rooms.members("lobby"), (std::vector<std::string>{"alice", "bob"}));

  cancel(alice);
  cancel(bob);
  EXPECT_EQ(rooms.sweep(), 2u);
  EXPECT_EQ(rooms.rooms(), (Rooms{{"attic", 1}}));
  EXPECT_EQ(rooms.members("lobby").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(rooms.post("lobby", "alice", "hi").status().code(), absl::StatusCode::kNotFound);

  // The name is free for a new room, which starts its events from 1 again.
  auto dave = join(rooms, "lobby", "dave");
  ASSERT_EQ(dave->snapshot().size(), 1u);
  EXPECT_EQ(dave->snapshot()[0].seq(), 1u);
}

TEST(RoomRegistryTest, RefusesEmptyOversizedAndControlCharacterNames) {
  RoomRegistry::Options options;
  options.maxNameBytes = 8;
  RoomRegistry rooms(options);
  for (const auto& [room, name] :
       std::vector<std::pair<std::string, std::string>>{{"", "alice"},
                                                        {"lobby", ""},
                                                        {"123456789", "alice"},
                                                        {"lobby", "al\nice"},
                                                        {"lo\x7f", "alice"}}) {
    auto [sink, state] = FakeSink::make();
    EXPECT_EQ(rooms.join(room, name, &sink).code(), absl::StatusCode::kInvalidArgument)
        << room << "/" << name;
    EXPECT_NE(sink, nullptr);
  }
  auto ok = join(rooms, "12345678", "h\xc3\xa9llo");
  EXPECT_EQ(rooms.rooms().size(), 1u);
}

TEST(RoomRegistryTest, PostsGoOnlyToTheirOwnRoom) {
  RoomRegistry rooms({});
  auto alice = join(rooms, "lobby", "alice");
  auto carol = join(rooms, "attic", "carol");
  ASSERT_TRUE(rooms.post("lobby", "alice", "hi").ok());
  EXPECT_EQ(rooms.post("attic", "alice", "hi").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(alice->snapshot().size(), 2u);
  EXPECT_EQ(carol->snapshot().size(), 1u);
}

TEST(RoomRegistryTest, APosterDroppedAsTheLastMemberTakesTheRoomWithIt) {
  RoomRegistry::Options options;
  options.room.maxQueuedBytes = 10;
  RoomRegistry rooms(options);
  auto alice = join(rooms, "lobby", "alice");
  {
    MutexLock lock(&alice->mutex);
    alice->queuedBytes = 11;
  }
  // Accepted (the post happened) but nobody was left to get it.
  EXPECT_TRUE(rooms.post("lobby", "alice", "hi").ok());
  EXPECT_EQ(alice->finishStatus()->code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(rooms.rooms().empty());
}

TEST(RoomRegistryTest, JoinsRacingTheLastLeaveAlwaysLandInALiveRoom) {
  RoomRegistry rooms({});
  constexpr int kRounds = 300;
  std::thread sweeper([&rooms] {
    for (int i = 0; i < 20 * kRounds; ++i) rooms.sweep();
  });
  for (int i = 0; i < kRounds; ++i) {
    auto member = join(rooms, "lobby", "m" + std::to_string(i));
    // The member is in the room the registry knows, and hears a post there.
    ASSERT_TRUE(rooms.post("lobby", "m" + std::to_string(i), "x").ok());
    EXPECT_TRUE(member->snapshot().back().has_post());
    cancel(member);
  }
  sweeper.join();
  rooms.sweep();
  EXPECT_TRUE(rooms.rooms().empty());
}

TEST(RoomRegistryTest, CloseAllEndsEveryStreamAndRefusesLaterJoins) {
  RoomRegistry rooms({});
  auto alice = join(rooms, "lobby", "alice");
  auto carol = join(rooms, "attic", "carol");
  rooms.closeAll(absl::UnavailableError("server shutting down"));
  EXPECT_EQ(alice->finishStatus()->code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(carol->finishStatus()->code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(rooms.rooms().empty());
  auto [sink, state] = FakeSink::make();
  EXPECT_EQ(rooms.join("lobby", "bob", &sink).code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace muduo::chat
