// Cluster mode for the RESP front end: the keys a command names (by its
// table row's key positions) and whether this node may run it, in Redis
// Cluster's words (-MOVED, -TRYAGAIN, -CLUSTERDOWN, -CROSSSLOT).
//
// Thread safety: pure functions of their arguments; any thread.
#ifndef SERVICES_KV_RESPCLUSTERCOMMANDS_H_
#define SERVICES_KV_RESPCLUSTERCOMMANDS_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "services/kv/RespCommand.h"

namespace muduo::kv {

namespace cluster {
class ClusterState;
}  // namespace cluster

// Appends the keys `args` name, by `command`'s firstKey/lastKey/keyStep.
void commandKeys(const RespCommand& command, std::span<const std::string_view> args,
                 std::vector<std::string_view>* keys);

// The error to answer instead of running a command on `keys` (all one
// slot, served here), or "" to run it.
[[nodiscard]] std::string respClusterRefusal(const cluster::ClusterState& state,
                                             std::span<const std::string_view> keys, bool write);

}  // namespace muduo::kv

#endif  // SERVICES_KV_RESPCLUSTERCOMMANDS_H_
