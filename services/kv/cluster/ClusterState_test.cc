#include "services/kv/cluster/ClusterState.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string_view>
#include <thread>
#include <vector>

namespace muduo::kv::cluster {
namespace {

using Kind = ClusterState::Admission::Kind;
using Protocol = ClusterState::Protocol;

SlotMap twoNodes(uint64_t epoch) {
  SlotMap map;
  map.setEpoch(epoch);
  map.addNode({"a", "127.0.0.1:9091", "127.0.0.1:6381"});
  map.addNode({"b", "127.0.0.1:9092", ""});
  map.assign(0, 8191, 0);
  map.assign(8192, 16000, 1);  // 16001-16383: nobody's
  return map;
}

// Keys of known slots: "bar" 5061 (a's), "foo" 12182 (b's).
TEST(ClusterStateTest, OwnKeysAreServedAndOthersAreMovedInTheRequestsProtocol) {
  ClusterState state("a");
  ASSERT_TRUE(state.setMap(twoNodes(1)).ok());
  EXPECT_TRUE(state.admit("bar", true, Protocol::kMrpc).serve());
  const ClusterState::Admission mrpc = state.admit("foo", false, Protocol::kMrpc);
  EXPECT_EQ(mrpc.kind, Kind::kMoved);
  EXPECT_EQ(ClusterState::respError(mrpc), "MOVED 12182 127.0.0.1:9092");
  // b has no RESP port: a RESP client cannot be sent there.
  EXPECT_EQ(state.admit("foo", false, Protocol::kResp).kind, Kind::kDown);

  ClusterState b("b");
  ASSERT_TRUE(b.setMap(twoNodes(1)).ok());
  EXPECT_EQ(ClusterState::respError(b.admit("bar", false, Protocol::kResp)),
            "MOVED 5061 127.0.0.1:6381");
}

TEST(ClusterStateTest, AnUnassignedSlotIsClusterDown) {
  ClusterState state("a");
  ASSERT_TRUE(state.setMap(twoNodes(1)).ok());
  int slot = -1;
  std::string key;
  for (int i = 0; slot < 16001; ++i) {
    key = "k" + std::to_string(i);
    slot = keySlot(key);
  }
  const ClusterState::Admission a = state.admit(key, false, Protocol::kMrpc);
  EXPECT_EQ(a.kind, Kind::kDown);
  EXPECT_EQ(ClusterState::mrpcStatus(a).code(), absl::StatusCode::kUnavailable);
}

TEST(ClusterStateTest, KeysInDifferentSlotsAreCrossSlotEvenOnOneNode) {
  ClusterState state("a");
  ASSERT_TRUE(state.setMap(twoNodes(1)).ok());
  const std::vector<std::string_view> same = {"{user1000}.following", "{user1000}.followers"};
  EXPECT_EQ(state.admit(same, true, Protocol::kResp).kind,
            keySlot("user1000") < 8192 ? Kind::kServe : Kind::kMoved);
  const std::vector<std::string_view> cross = {"bar", "hello"};  // 5061 and 866, both a's
  const ClusterState::Admission a = state.admit(cross, false, Protocol::kResp);
  EXPECT_EQ(a.kind, Kind::kCrossSlot);
  EXPECT_EQ(ClusterState::respError(a), "CROSSSLOT Keys in request don't hash to the same slot");
}

TEST(ClusterStateTest, ABlockedSlotServesReadsAndRefusesWritesUntilHandedOff) {
  ClusterState state("a");
  ASSERT_TRUE(state.setMap(twoNodes(1)).ok());
  const int slot = keySlot("bar");
  EXPECT_FALSE(state.blockWrites(keySlot("foo")).ok());  // not ours
  ASSERT_TRUE(state.blockWrites(slot).ok());
  EXPECT_TRUE(state.admit("bar", false, Protocol::kMrpc).serve());
  const ClusterState::Admission write = state.admit("bar", true, Protocol::kMrpc);
  EXPECT_EQ(write.kind, Kind::kTryAgain);
  EXPECT_TRUE(ClusterState::isTryAgain(ClusterState::mrpcStatus(write)));

  ASSERT_TRUE(state.handOff(slot, "b").ok());
  const absl::Status moved = ClusterState::mrpcStatus(state.admit("bar", false, Protocol::kMrpc));
  int movedSlot = 0;
  std::string address;
  ASSERT_TRUE(ClusterState::parseMoved(moved, &movedSlot, &address)) << moved;
  EXPECT_EQ(movedSlot, slot);
  EXPECT_EQ(address, "127.0.0.1:9092");

  // The new map gives the slot to b: the hand-off is over.
  SlotMap next = twoNodes(2);
  next.assign(slot, slot, 1);
  ASSERT_TRUE(state.setMap(next).ok());
  EXPECT_FALSE(state.owns(slot));
  EXPECT_EQ(state.admit("bar", true, Protocol::kMrpc).address, "127.0.0.1:9092");
}

TEST(ClusterStateTest, AnUnblockedSlotTakesWritesAgain) {
  ClusterState state("a");
  ASSERT_TRUE(state.setMap(twoNodes(1)).ok());
  ASSERT_TRUE(state.blockWrites(keySlot("bar")).ok());
  state.unblockWrites(keySlot("bar"));
  EXPECT_TRUE(state.admit("bar", true, Protocol::kMrpc).serve());
}

TEST(ClusterStateTest, OlderMapsAreRefused) {
  ClusterState state("a");
  ASSERT_TRUE(state.setMap(twoNodes(5)).ok());
  EXPECT_EQ(state.setMap(twoNodes(4)).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(state.setMap(twoNodes(5)).ok());  // the same map again
  SlotMap other = twoNodes(5);
  other.assign(0, 0, 1);
  EXPECT_FALSE(state.setMap(other).ok());  // same epoch, other contents
  EXPECT_EQ(state.epoch(), 5u);
}

TEST(ClusterStateTest, ParseMovedRejectsOtherStatuses) {
  int slot = 0;
  std::string address;
  EXPECT_FALSE(ClusterState::parseMoved(absl::FailedPreconditionError("nope"), &slot, &address));
  EXPECT_FALSE(ClusterState::parseMoved(absl::UnavailableError("MOVED 1 h:1"), &slot, &address));
  EXPECT_FALSE(
      ClusterState::parseMoved(absl::FailedPreconditionError("MOVED 99999 h:1"), &slot, &address));
  EXPECT_TRUE(
      ClusterState::parseMoved(absl::FailedPreconditionError("MOVED 7 h:1"), &slot, &address));
  EXPECT_EQ(slot, 7);
}

}  // namespace
}  // namespace muduo::kv::cluster

namespace muduo::kv::cluster {
namespace {

// A request that read "handed off" just before the new map was installed
// must be redirected to the new owner, not answered CLUSTERDOWN (seen in
// KvCluster_test: the slow path found the hand-off gone once it got the lock).
TEST(ClusterStateTest, ARequestRacingTheMapThatEndsAHandOffIsRedirectedNeverDown) {
  constexpr int kRounds = 60;
  const int slot = keySlot("bar");
  int down = 0;
  for (int round = 0; round < kRounds; ++round) {
    ClusterState state("a");
    ASSERT_TRUE(state.setMap(twoNodes(1)).ok());
    ASSERT_TRUE(state.blockWrites(slot).ok());
    ASSERT_TRUE(state.handOff(slot, "b").ok());
    SlotMap next = twoNodes(2);
    next.assign(slot, slot, 1);
    std::atomic<bool> installed{false};
    std::thread installer([&] {
      EXPECT_TRUE(state.setMap(next).ok());
      installed.store(true);
    });
    while (!installed.load()) {
      if (state.admit("bar", true, Protocol::kMrpc).kind == Kind::kDown) ++down;
    }
    installer.join();
  }
  EXPECT_EQ(down, 0);
}

}  // namespace
}  // namespace muduo::kv::cluster
