// ClusterState: one kv_server's view of the cluster: the slot map it was
// last given (by ZooKeeper's watch or the admin tool), which node it is, and
// what it does with each slot while a slot is being moved away from it.
// Every request a front end (MRPC, RESP) gets is admitted here first:
//
//   the slot is ours             serve it
//   ours, writes blocked         reads are served; writes get TRYAGAIN
//                                (the slot's keys are being copied out)
//   ours, handed off             MOVED to the node it was copied to (the
//                                new map is on its way to every node)
//   another node's               MOVED to that node
//   nobody's                     CLUSTERDOWN
//
// A slot is blocked and handed off only by the node's admin service
// (ClusterAdminServiceImpl), during a move; a new map that no longer gives
// the node a slot clears both. A restart forgets them: the node then serves
// what its map says, and a move interrupted before the map changed left
// the slot's keys in place, so nothing is lost either way.
//
// The per-slot state is one atomic byte read on every request; the map
// itself (for the redirect's address) is read only on the slow path.
//
// Thread safety: every method may be called from any thread.
#ifndef SERVICES_KV_CLUSTER_CLUSTERSTATE_H_
#define SERVICES_KV_CLUSTER_CLUSTERSTATE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "muduo/base/Mutex.h"
#include "services/kv/cluster/SlotMap.h"

namespace muduo::kv::cluster {

class ClusterState {
 public:
  enum class Protocol { kMrpc, kResp };

  // What a front end does with a request.
  struct Admission {
    enum class Kind { kServe, kMoved, kTryAgain, kDown, kCrossSlot };
    Kind kind = Kind::kServe;
    int slot = 0;
    std::string address;  // kMoved: where to go, in the request's protocol

    [[nodiscard]] bool serve() const { return kind == Kind::kServe; }
  };

  explicit ClusterState(std::string selfId);
  ClusterState(const ClusterState&) = delete;
  ClusterState& operator=(const ClusterState&) = delete;

  [[nodiscard]] const std::string& selfId() const { return selfId_; }

  // Installs a newer map. FAILED_PRECONDITION (and no change) if its epoch
  // is older than the current one, or equal with different contents.
  absl::Status setMap(SlotMap map);
  [[nodiscard]] std::shared_ptr<const SlotMap> map() const;
  [[nodiscard]] uint64_t epoch() const;

  // The admission of a request on `key` (one slot), or on all of `keys`
  // (kCrossSlot if they are not all in one slot).
  [[nodiscard]] Admission admit(std::string_view key, bool write, Protocol protocol) const;
  [[nodiscard]] Admission admit(std::span<const std::string_view> keys, bool write,
                                Protocol protocol) const;
  [[nodiscard]] bool owns(int slot) const { return state(slot) != SlotState::kNotOurs; }

  // For the admin service, during a move of `slot` away from this node.
  // FAILED_PRECONDITION unless the node owns the slot.
  absl::Status blockWrites(int slot);
  // Serves writes again (the move was abandoned). OK if not blocked.
  void unblockWrites(int slot);
  // Redirects every request on the slot to `nodeId` (which the map must
  // name) until a new map takes the slot away.
  absl::Status handOff(int slot, std::string_view nodeId);
  [[nodiscard]] bool writesBlocked(int slot) const { return state(slot) == SlotState::kBlocked; }

  // Redis's and MRPC's wording of a refusal.
  [[nodiscard]] static std::string respError(const Admission& admission);
  [[nodiscard]] static absl::Status mrpcStatus(const Admission& admission);
  // Parses an MRPC status made by mrpcStatus() for kMoved: the slot and the
  // address; false if `status` is not a redirect.
  [[nodiscard]] static bool parseMoved(const absl::Status& status, int* slot, std::string* address);
  // Whether `status` is mrpcStatus() of a kTryAgain.
  [[nodiscard]] static bool isTryAgain(const absl::Status& status);

  // What /status shows: this node, the epoch, the map's lines and any
  // blocked or handed-off slots.
  [[nodiscard]] std::string describe() const;

 private:
  enum class SlotState : uint8_t { kNotOurs, kOurs, kBlocked, kHandedOff };

  [[nodiscard]] SlotState state(int slot) const {
    return states_[static_cast<size_t>(slot)].load(std::memory_order_seq_cst);
  }
  [[nodiscard]] Admission admitSlot(int slot, bool write, Protocol protocol) const;

  const std::string selfId_;
  std::array<std::atomic<SlotState>, kSlotCount> states_;
  mutable Mutex mutex_;
  std::shared_ptr<const SlotMap> map_ ABSL_GUARDED_BY(mutex_);
  // The node each handed-off slot redirects to (a move is one slot at a
  // time, so this stays tiny).
  std::map<int, std::string> handedOffTo_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace muduo::kv::cluster

#endif  // SERVICES_KV_CLUSTER_CLUSTERSTATE_H_
