#include "services/chat/ChatRoom.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "services/chat/FakeSink.h"

namespace muduo::chat {
namespace {

using testing::FakeSink;
using testing::FakeSinkState;

// A room with a fake clock that ticks one microsecond per post.
class ChatRoomTest : public ::testing::Test {
 protected:
  ChatRoom::Options options() {
    ChatRoom::Options options;
    options.maxQueuedBytes = 1000;
    options.maxTextBytes = 100;
    options.clock = [this] { return ++clock_; };
    return options;
  }

  // Joins `name` and returns its sink's state; fails the test on an error.
  std::shared_ptr<FakeSinkState> join(ChatRoom& room, const std::string& name) {
    auto [sink, state] = FakeSink::make();
    const absl::Status status = room.join(name, &sink);
    EXPECT_TRUE(status.ok()) << status;
    EXPECT_EQ(sink, nullptr) << "the room takes the sink";
    return state;
  }

  std::atomic<int64_t> clock_{1'700'000'000'000'000};
};

std::vector<std::string> describe(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) {
    std::string s = std::to_string(e.seq()) + " ";
    if (e.has_post()) s += e.post().sender() + ": " + e.post().text();
    if (e.has_join()) s += "+" + e.join().name();
    if (e.has_leave()) s += "-" + e.leave().name() + " (" + e.leave().reason() + ")";
    out.push_back(s);
  }
  return out;
}

TEST_F(ChatRoomTest, ANewcomersFirstEventIsItsOwnJoinAndEveryoneHearsOfIt) {
  ChatRoom room("lobby", options());
  auto alice = join(room, "alice");
  auto bob = join(room, "bob");
  EXPECT_EQ(describe(alice->snapshot()), (std::vector<std::string>{"1 +alice", "2 +bob"}));
  EXPECT_EQ(describe(bob->snapshot()), (std::vector<std::string>{"2 +bob"}));
  EXPECT_EQ(room.memberNames(), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(room.lastSeq(), 2u);
}

TEST_F(ChatRoomTest, PostsReachEveryMemberThePosterIncludedWithSenderTimeAndNextSeq) {
  ChatRoom room("lobby", options());
  auto alice = join(room, "alice");
  auto bob = join(room, "bob");
  const int64_t before = clock_.load();
  auto response = room.post("bob", "hello");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->seq(), 3u);
  EXPECT_EQ(response->time_us(), before + 1);
  for (const auto& member : {alice, bob}) {
    const auto events = member->snapshot();
    ASSERT_FALSE(events.empty());
    const Event& last = events.back();
    EXPECT_EQ(last.seq(), 3u);
    ASSERT_TRUE(last.has_post());
    EXPECT_EQ(last.post().sender(), "bob");
    EXPECT_EQ(last.post().text(), "hello");
    EXPECT_EQ(last.post().time_us(), before + 1);
  }
}

TEST_F(ChatRoomTest, APostFromSomeoneNotInTheRoomIsNotFoundAndAnOversizedOneInvalid) {
  ChatRoom room("lobby", options());
  auto alice = join(room, "alice");
  EXPECT_EQ(room.post("mallory", "hi").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(room.post("alice", std::string(101, 'x')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(room.post("alice", std::string(100, 'x')).ok());
  EXPECT_EQ(alice->snapshot().size(), 2u) << "only the join and the one good post";
}

TEST_F(ChatRoomTest, ATakenNameIsRefusedUnlessItsStreamHasEnded) {
  ChatRoom room("lobby", options());
  auto first = join(room, "alice");
  auto watcher = join(room, "bob");

  auto [sink, state] = FakeSink::make();
  EXPECT_EQ(room.join("alice", &sink).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(sink, nullptr) << "a refused join leaves the sink with the caller";

  {
    MutexLock lock(&first->mutex);
    first->cancelled = true;
  }
  ASSERT_TRUE(room.join("alice", &sink).ok());
  EXPECT_EQ(first->finishStatus()->code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(describe(watcher->snapshot()),
            (std::vector<std::string>{"2 +bob", "3 -alice (left)", "4 +alice"}));
  EXPECT_EQ(describe(state->snapshot()), (std::vector<std::string>{"4 +alice"}));
}

TEST_F(ChatRoomTest, AMemberThatStopsReadingIsDroppedWithAReasonWhileTheOthersGetEveryPost) {
  ChatRoom room("lobby", options());
  auto alice = join(room, "alice");
  auto slow = join(room, "slow");
  auto bob = join(room, "bob");
  {
    MutexLock lock(&slow->mutex);
    slow->reading = false;
  }
  constexpr int kPosts = 200;
  for (int i = 0; i < kPosts; ++i) {
    ASSERT_TRUE(room.post("alice", "post " + std::to_string(i) + std::string(40, '.')).ok());
  }

  // Dropped once over the bound, never far past it: by at most one event.
  const auto finished = slow->finishStatus();
  ASSERT_TRUE(finished.has_value());
  EXPECT_EQ(finished->code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(finished->message().find("slow consumer"), std::string_view::npos) << *finished;
  {
    MutexLock lock(&slow->mutex);
    EXPECT_LE(slow->maxQueuedBytesSeen, 1000u + 100u);
    EXPECT_LT(slow->events.size(), static_cast<size_t>(kPosts));
  }
  EXPECT_EQ(room.memberNames(), (std::vector<std::string>{"alice", "bob"}));

  // The others: every post, in order, and the drop with its reason among them.
  for (const auto& member : {alice, bob}) {
    int posts = 0;
    int leaves = 0;
    uint64_t lastSeq = 0;
    for (const Event& e : member->snapshot()) {
      EXPECT_EQ(e.seq(), lastSeq == 0 ? e.seq() : lastSeq + 1) << "gap-free seqs";
      lastSeq = e.seq();
      if (e.has_post()) {
        EXPECT_EQ(e.post().text().rfind("post " + std::to_string(posts) + ".", 0), 0u);
        ++posts;
      }
      if (e.has_leave()) {
        ++leaves;
        EXPECT_EQ(e.leave().name(), "slow");
        EXPECT_EQ(e.leave().reason().rfind("slow consumer: ", 0), 0u) << e.leave().reason();
      }
    }
    EXPECT_EQ(posts, kPosts);
    EXPECT_EQ(leaves, 1);
  }
}

TEST_F(ChatRoomTest, AMemberWhoseWriteFailsLeavesAndTheOthersAreTold) {
  ChatRoom room("lobby", options());
  auto alice = join(room, "alice");
  auto bob = join(room, "bob");
  {
    MutexLock lock(&bob->mutex);
    bob->writesFail = true;
  }
  ASSERT_TRUE(room.post("alice", "hi").ok());
  EXPECT_EQ(describe(alice->snapshot()),
            (std::vector<std::string>{"1 +alice", "2 +bob", "3 alice: hi", "4 -bob (left)"}));
  EXPECT_EQ(bob->finishStatus()->code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(room.size(), 1u);
}

TEST_F(ChatRoomTest, SweepRemovesMembersWhoseStreamEndedInAQuietRoom) {
  ChatRoom room("lobby", options());
  auto alice = join(room, "alice");
  auto bob = join(room, "bob");
  EXPECT_EQ(room.sweep(), 0u);
  {
    MutexLock lock(&bob->mutex);
    bob->cancelled = true;
  }
  EXPECT_EQ(room.sweep(), 1u);
  EXPECT_EQ(describe(alice->snapshot()),
            (std::vector<std::string>{"1 +alice", "2 +bob", "3 -bob (left)"}));
  {
    MutexLock lock(&bob->mutex);
    EXPECT_EQ(bob->finishes, 1);
  }
  EXPECT_EQ(room.memberNames(), (std::vector<std::string>{"alice"}));
}

TEST_F(ChatRoomTest, SweepDropsAMemberWhoseBacklogIsOverTheBound) {
  ChatRoom room("lobby", options());
  auto alice = join(room, "alice");
  auto bob = join(room, "bob");
  {
    MutexLock lock(&bob->mutex);
    bob->queuedBytes = 1001;
  }
  EXPECT_EQ(room.sweep(), 1u);
  EXPECT_EQ(bob->finishStatus()->code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(describe(alice->snapshot()).back(), "3 -bob (slow consumer: 1001 bytes unread)");
}

TEST_F(ChatRoomTest, TheRoomClosesWithItsLastMemberAndThenRefusesJoinsWithAborted) {
  ChatRoom room("lobby", options());
  auto alice = join(room, "alice");
  EXPECT_FALSE(room.closed());
  {
    MutexLock lock(&alice->mutex);
    alice->cancelled = true;
  }
  EXPECT_EQ(room.sweep(), 1u);
  EXPECT_TRUE(room.closed());
  auto [sink, state] = FakeSink::make();
  EXPECT_EQ(room.join("bob", &sink).code(), absl::StatusCode::kAborted);
  EXPECT_NE(sink, nullptr);
}

TEST_F(ChatRoomTest, CloseEndsEveryStreamWithTheStatusAndNoLeaveEvents) {
  ChatRoom room("lobby", options());
  auto alice = join(room, "alice");
  auto bob = join(room, "bob");
  room.close(absl::UnavailableError("server shutting down"));
  EXPECT_TRUE(room.closed());
  for (const auto& member : {alice, bob}) {
    EXPECT_EQ(member->finishStatus()->code(), absl::StatusCode::kUnavailable);
    EXPECT_FALSE(member->snapshot().back().has_leave());
  }
  EXPECT_EQ(room.size(), 0u);
}

TEST_F(ChatRoomTest, PostsFromManyThreadsReachEveryMemberInOneGapFreeOrder) {
  constexpr int kThreads = 4;
  constexpr int kPostsEach = 500;
  ChatRoom::Options roomOptions = options();
  roomOptions.maxQueuedBytes = 1 << 30;
  ChatRoom room("lobby", roomOptions);
  std::vector<std::shared_ptr<FakeSinkState>> members;
  for (int i = 0; i < kThreads; ++i) members.push_back(join(room, "m" + std::to_string(i)));

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&room, t] {
      for (int i = 0; i < kPostsEach; ++i) {
        ASSERT_TRUE(room.post("m" + std::to_string(t), std::to_string(i)).ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();

  // Everyone sees the posts in the same order; each poster's in its order.
  std::vector<std::string> reference;
  for (const Event& e : members[0]->snapshot()) {
    if (e.has_post()) reference.push_back(e.post().sender() + ":" + e.post().text());
  }
  ASSERT_EQ(reference.size(), static_cast<size_t>(kThreads * kPostsEach));
  for (const auto& member : members) {
    std::vector<std::string> got;
    std::vector<int> nextFrom(kThreads, 0);
    uint64_t lastSeq = 0;
    for (const Event& e : member->snapshot()) {
      if (lastSeq != 0) {
        EXPECT_EQ(e.seq(), lastSeq + 1);
      }
      lastSeq = e.seq();
      if (!e.has_post()) continue;
      got.push_back(e.post().sender() + ":" + e.post().text());
      const int poster = std::stoi(e.post().sender().substr(1));
      EXPECT_EQ(e.post().text(), std::to_string(nextFrom[static_cast<size_t>(poster)]++));
    }
    EXPECT_TRUE(got == reference);
  }
}

}  // namespace
}  // namespace muduo::chat
