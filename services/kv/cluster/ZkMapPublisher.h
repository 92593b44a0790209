// ZkMapPublisher: kv_admin's access to the slot map in ZooKeeper
// (ZkClusterMap.h has the layout). current() reads <root>/slots and
// remembers its znode version; publish() writes the next map with setData
// conditional on that version, so a map changed by anyone in between makes
// it fail (FAILED_PRECONDITION) instead of being overwritten. After a
// successful write it also hands the map straight to the nodes that gain
// slots (KvClusterAdmin.SetSlotMap), so they serve at once instead of
// waiting for their watch to fire; every node also gets it from the watch.
//
// Uses the C client's synchronous calls: kv_admin is a command-line tool
// making a handful of them.
//
// Thread contract: one thread.
#ifndef SERVICES_KV_CLUSTER_ZKMAPPUBLISHER_H_
#define SERVICES_KV_CLUSTER_ZKMAPPUBLISHER_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "services/kv/cluster/SlotMover.h"
#include "services/kv/cluster/ZkClusterMap.h"

typedef struct _zhandle zhandle_t;  // NOLINT: the C client's own declaration

namespace muduo::kv::cluster {

class ZkMapPublisher final : public MapPublisher {
 public:
  // `mover` (may be null) pushes a published map to the nodes gaining slots.
  ZkMapPublisher(ZkLocation location, SlotMover* mover);
  ~ZkMapPublisher() override;
  ZkMapPublisher(const ZkMapPublisher&) = delete;
  ZkMapPublisher& operator=(const ZkMapPublisher&) = delete;

  // Connects, within `timeout`.
  [[nodiscard]] absl::Status connect(std::chrono::milliseconds timeout);

  absl::StatusOr<SlotMap> current() override;
  absl::Status publish(const SlotMap& current, const SlotMap& next) override;

  // The registered nodes: id -> "rpc_addr resp_addr".
  [[nodiscard]] absl::StatusOr<std::map<std::string, std::string>> registeredNodes();
  // Writes the first map: every registered node, slots split evenly.
  // ALREADY_EXISTS if there is a map (unless `replace`).
  [[nodiscard]] absl::StatusOr<SlotMap> init(bool replace);

 private:
  const ZkLocation location_;
  SlotMover* const mover_;
  zhandle_t* handle_ = nullptr;
  int version_ = -1;  // of <root>/slots when current() read it
};

}  // namespace muduo::kv::cluster

#endif  // SERVICES_KV_CLUSTER_ZKMAPPUBLISHER_H_
