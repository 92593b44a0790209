// NodeChannels: one MRPC connection per cluster node, by its address
// ("host:port"), made on first use, with the stubs of both services a node
// serves. KvClusterClient routes calls over them; SlotMover drives moves.
//
// Thread contract: one thread at a time (the client's loop thread, or the
// mover's caller). The loop must run while channels are made or dropped.
#ifndef SERVICES_KV_CLUSTER_NODECHANNELS_H_
#define SERVICES_KV_CLUSTER_NODECHANNELS_H_

#include <chrono>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "rpc/RpcChannel.h"
#include "services/kv/cluster/kv_cluster.rpc.h"
#include "services/kv/kv.rpc.h"

namespace muduo::kv::cluster {

struct NodeChannel {
  NodeChannel(net::EventLoop* loop, const net::InetAddress& address,
              std::chrono::milliseconds timeout);

  rpc::RpcChannel channel;
  KvService::Stub kv;
  KvClusterAdmin::Stub admin;
  const std::chrono::steady_clock::time_point created = std::chrono::steady_clock::now();
};

class NodeChannels {
 public:
  // Calls without a deadline of their own get `timeout`.
  NodeChannels(net::EventLoop* loop, std::chrono::milliseconds timeout)
      : loop_(loop), timeout_(timeout) {}

  // The node's channel (connecting); INVALID_ARGUMENT if `address` does not
  // resolve.
  [[nodiscard]] absl::StatusOr<NodeChannel*> get(const std::string& address);
  // Drops the node's channel if it is not connected and at least
  // `minAge` old, so the next get() dials afresh (a restarted node is then
  // reached at once, not after the old channel's reconnect back-off). The
  // channel dies a loop turn later: this may run inside its own callback.
  void redialIfDown(const std::string& address, std::chrono::milliseconds minAge);
  void clear() { nodes_.clear(); }

 private:
  net::EventLoop* const loop_;
  const std::chrono::milliseconds timeout_;
  absl::flat_hash_map<std::string, std::unique_ptr<NodeChannel>> nodes_;
};

}  // namespace muduo::kv::cluster

#endif  // SERVICES_KV_CLUSTER_NODECHANNELS_H_
