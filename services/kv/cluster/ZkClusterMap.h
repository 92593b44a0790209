// ZkClusterMap: a kv_server's link to its cluster in ZooKeeper, under one
// root path (say /kv/prod):
//
//   <root>/slots          the slot map (SlotMap's text form). kv_admin
//                         writes it with setData and the version it read
//                         (a compare-and-set), so two admins cannot both
//                         change it from the same map.
//   <root>/nodes/<id>     one ephemeral node per live kv_server, holding
//                         "<rpc host:port> <resp host:port or ->", from
//                         which `kv_admin init` builds the first map.
//
// A server watches <root>/slots and installs each newer map in its
// ClusterState at once (a watch, not polling); after a reconnect or a
// session expiry it reads the map again and re-creates its node. While
// ZooKeeper is unreachable the node keeps serving by the last map it had.
// A client (KvClusterClient) watches the map the same way, without
// registering.
//
// Thread contract: start() and stop() in one thread that is not ZkSession's
// loop; the listener runs in that loop, never after stop() returned.
#ifndef SERVICES_KV_CLUSTER_ZKCLUSTERMAP_H_
#define SERVICES_KV_CLUSTER_ZKCLUSTERMAP_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace muduo::rpc::naming {
class ZkSession;
}  // namespace muduo::rpc::naming

namespace muduo::kv::cluster {

class ClusterState;
class SlotMap;

// "host:port[,host:port...]/root/path", split.
struct ZkLocation {
  std::string connectString;
  std::string root;  // no trailing '/'

  [[nodiscard]] static absl::StatusOr<ZkLocation> parse(const std::string& text);
  [[nodiscard]] std::string slotsPath() const { return root + "/slots"; }
  [[nodiscard]] std::string nodesPath() const { return root + "/nodes"; }
};

class ZkClusterMap {
 public:
  // Each map read (after every change and reconnect; maybe the same again).
  using MapListener = std::function<void(SlotMap map)>;

  // A node: installs maps in `cluster` and registers as <root>/nodes/<id>
  // holding `registration`, "rpc_addr resp_addr".
  ZkClusterMap(ZkLocation location, ClusterState* cluster, std::string registration);
  // A client: only watches.
  ZkClusterMap(ZkLocation location, MapListener listener);
  ~ZkClusterMap();
  ZkClusterMap(const ZkClusterMap&) = delete;
  ZkClusterMap& operator=(const ZkClusterMap&) = delete;

  // Opens (or shares) the session, creates the root's parents if missing,
  // registers this node and starts watching the map.
  [[nodiscard]] absl::Status start();
  void stop();

 private:
  struct Shared;

  const ZkLocation location_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace muduo::kv::cluster

#endif  // SERVICES_KV_CLUSTER_ZKCLUSTERMAP_H_
