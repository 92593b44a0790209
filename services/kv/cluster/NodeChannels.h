// NodeChannels: one MRPC connection per cluster node, by its address
// ("host:port"), made on first use, with the stubs of both services a node
// serves. SlotMover drives moves over them (KvClusterClient routes through
// one cluster channel instead).
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
};

class NodeChannels {
 public:
  // Calls without a deadline of their own get `timeout`.
  NodeChannels(net::EventLoop* loop, std::chrono::milliseconds timeout)
      : loop_(loop), timeout_(timeout) {}

  // The node's channel (connecting); INVALID_ARGUMENT if `address` does not
  // resolve.
  [[nodiscard]] absl::StatusOr<NodeChannel*> get(const std::string& address);
  void clear() { nodes_.clear(); }

 private:
  net::EventLoop* const loop_;
  const std::chrono::milliseconds timeout_;
  absl::flat_hash_map<std::string, std::unique_ptr<NodeChannel>> nodes_;
};

}  // namespace muduo::kv::cluster

#endif  // SERVICES_KV_CLUSTER_NODECHANNELS_H_
