// SlotMover: moves a run of slots from the node serving them to another
// node, online, without losing an acknowledged write:
//
//   1. target: DeleteSlot until empty: clears what an earlier, abandoned
//      move may have left there (the target does not serve the slots, so
//      nothing it holds for them was ever acknowledged by it).
//   2. source: BlockSlot. Writes to the slots are refused with TRYAGAIN
//      from now on (clients retry them), and the call returns once every
//      write admitted before is applied: the source's keys of the slots are
//      final.
//   3. copy: SlotEntries pages from the source, Import into the target,
//      each acknowledged once durable on the target (per its --sync).
//   4. source: HandOffSlot: every request on the slots is redirected (MOVED)
//      to the target from now on, so the source answers nothing about them
//      that the target might contradict.
//   5. publish the new map (epoch + 1) with the MapPublisher: ZooKeeper's
//      setData with the znode version read before (a compare-and-set; a
//      concurrent change fails the move), or each node's SetSlotMap. From
//      then on the target serves the slots.
//   6. source: DeleteSlot until empty, once its map no longer gives it the
//      slots (DeleteSlot refuses before that).
//
// If anything fails before step 4, the slots are unblocked on the source,
// which still holds every key: nothing changed. If it fails between 4 and
// 5, the slots stay unavailable (redirected to a node that does not serve
// them) until the move is run again or the source restarts (a restart
// forgets blocks and hand-offs; its data is intact). After 5 the move has
// happened; a failed step 6 leaves unreachable copies on the source, which
// a later move back clears in its step 1.
//
// Thread contract: one move at a time, from a thread that is not `loop`'s
// (the calls block).
#ifndef SERVICES_KV_CLUSTER_SLOTMOVER_H_
#define SERVICES_KV_CLUSTER_SLOTMOVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "services/kv/cluster/NodeChannels.h"
#include "services/kv/cluster/SlotMap.h"
#include "services/kv/cluster/kv_cluster.rpc.h"

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::rpc {
class RpcChannel;
}  // namespace muduo::rpc

namespace muduo::kv::cluster {

// Where a new map goes: ZooKeeper, or straight to the nodes.
class MapPublisher {
 public:
  virtual ~MapPublisher() = default;
  // The current map (as the publisher knows it: its epoch is checked).
  [[nodiscard]] virtual absl::StatusOr<SlotMap> current() = 0;
  // Replaces `current` by `next`; fails (and changes nothing) if the map is
  // no longer `current`.
  [[nodiscard]] virtual absl::Status publish(const SlotMap& current, const SlotMap& next) = 0;
};

class SlotMover {
 public:
  struct Options {
    std::chrono::milliseconds callTimeout{10000};
    uint32_t pageEntries = 1000;
    // How long to wait for the source to install the new map before
    // deleting the moved keys from it (step 6).
    std::chrono::milliseconds deleteWait{10000};
  };

  struct Result {
    uint64_t keys = 0;
    uint64_t bytes = 0;                    // keys and values copied
    uint64_t scanned = 0;                  // source keys looked at to find them
    uint64_t deleted = 0;                  // from the source afterwards
    uint64_t epoch = 0;                    // of the new map
    std::chrono::microseconds blocked{0};  // writes to the slots refused
    std::chrono::microseconds total{0};
  };

  SlotMover(net::EventLoop* loop, MapPublisher* publisher, Options options);
  ~SlotMover();
  SlotMover(const SlotMover&) = delete;
  SlotMover& operator=(const SlotMover&) = delete;

  // Before the first move, if not given to the constructor.
  void setPublisher(MapPublisher* publisher) { publisher_ = publisher; }

  // Moves slots [first, last] (all served by one node) to `targetId`.
  [[nodiscard]] absl::StatusOr<Result> move(int first, int last, const std::string& targetId);

  // The admin stub for a node's MRPC address (made on first use).
  [[nodiscard]] absl::StatusOr<KvClusterAdmin::Stub*> admin(const std::string& address);

 private:
  absl::Status copy(KvClusterAdmin::Stub* source, KvClusterAdmin::Stub* target, int first, int last,
                    Result* result);
  absl::Status clear(KvClusterAdmin::Stub* node, int first, int last, uint64_t* deleted);

  MapPublisher* publisher_;
  const Options options_;
  NodeChannels nodes_;
};

// Publishes straight to the nodes: the current map is read from `seed`;
// the next goes to the target first (so the slots are served as soon as
// possible), then to every other node. A node that is down misses it and
// learns it from the next move (or its --cluster_slots at restart: keep that
// up to date, or use ZooKeeper).
class DirectPublisher final : public MapPublisher {
 public:
  DirectPublisher(SlotMover* mover, std::string seed) : mover_(mover), seed_(std::move(seed)) {}
  absl::StatusOr<SlotMap> current() override;
  absl::Status publish(const SlotMap& current, const SlotMap& next) override;

 private:
  SlotMover* const mover_;
  const std::string seed_;
};

}  // namespace muduo::kv::cluster

#endif  // SERVICES_KV_CLUSTER_SLOTMOVER_H_
