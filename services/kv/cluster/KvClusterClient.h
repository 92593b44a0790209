// KvClusterClient: the KV API over a sharded cluster. Each call goes to the
// node serving its key's slot (KeySlot.h) by the client's cached slot map,
// through one rpc::cluster::ClusterChannel whose endpoints are the map's
// nodes (with the seeds and any node a redirect names), fed to it through a
// ListResolver this client updates. Each call is pinned to its node
// (CallOptions::endpoint): the cluster channel never retries or hedges it on
// another node, which would not serve the slot. It follows the cluster's
// answers:
//
//   MOVED <slot> <host:port>   retry there at once, remember that node for
//                              the slot, and refresh the whole map from it
//                              (a move changed the map; more slots may have)
//   TRYAGAIN                   the slot is being moved: retry after a short
//                              back-off (5 ms doubling to 100 ms)
//   anything else              the call's answer, as is: a node that is down
//                              fails its own keys at once with UNAVAILABLE
//                              (its sub-channel fails fast), never the
//                              others'
//
// all within the call's one deadline (Options::timeout) and at most
// Options::maxRedirects redirects. The map comes from the first seed node
// that answers (KvClusterAdmin.GetSlotMap), or is given (setMap(), e.g. from
// ZooKeeper).
//
// A node that went down is reached again once its sub-channel reconnects
// (500 ms doubling, as every RpcChannel); until then its keys fail fast.
//
// Thread contract: the async methods may be called from any thread; their
// callbacks run in the client's loop thread. The blocking ones from any
// thread but that loop's. Construct and destroy in a thread other than the
// loop's while the loop runs; destroy only when no call is outstanding.
#ifndef SERVICES_KV_CLUSTER_KVCLUSTERCLIENT_H_
#define SERVICES_KV_CLUSTER_KVCLUSTERCLIENT_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/InetAddress.h"
#include "rpc/CallOptions.h"
#include "services/kv/cluster/SlotMap.h"
#include "services/kv/cluster/kv_cluster.rpc.h"
#include "services/kv/kv.rpc.h"

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::rpc::cluster {
class ClusterChannel;
}  // namespace muduo::rpc::cluster

namespace muduo::rpc::naming {
class ListResolver;
}  // namespace muduo::rpc::naming

namespace muduo::kv::cluster {

class KvClusterClient {
 public:
  struct Options {
    // host:port of MRPC ports to read the slot map from (any node will do).
    std::vector<std::string> seeds;
    std::chrono::milliseconds timeout{5000};  // per call, redirects included
    int maxRedirects = 16;
  };

  template <typename Response>
  using Done = absl::AnyInvocable<void(absl::Status, Response*) &&>;

  // Counters; any thread.
  struct Stats {
    uint64_t calls = 0;
    uint64_t redirects = 0;  // MOVED answers followed
    uint64_t tryAgains = 0;  // TRYAGAIN answers retried
    uint64_t mapRefreshes = 0;
  };

  KvClusterClient(net::EventLoop* loop, Options options);
  ~KvClusterClient();
  KvClusterClient(const KvClusterClient&) = delete;
  KvClusterClient& operator=(const KvClusterClient&) = delete;

  // Reads the map from the seeds (the first that answers). Blocking.
  absl::Status refreshMap();
  // Installs `map` if it is newer than the cached one. Any thread.
  void setMap(SlotMap map);
  [[nodiscard]] std::shared_ptr<const SlotMap> map() const;
  [[nodiscard]] Stats stats() const;

  void get(const GetRequest& request, Done<GetResponse> done);
  void put(const PutRequest& request, Done<PutResponse> done);
  void remove(const DeleteRequest& request, Done<DeleteResponse> done);
  void compareAndSet(const CompareAndSetRequest& request, Done<CompareAndSetResponse> done);
  void expire(const ExpireRequest& request, Done<ExpireResponse> done);

  // Blocking forms; not from the loop's thread.
  absl::Status get(const GetRequest& request, GetResponse* response);
  absl::Status put(const PutRequest& request, PutResponse* response);
  absl::Status remove(const DeleteRequest& request, DeleteResponse* response);
  absl::Status compareAndSet(const CompareAndSetRequest& request, CompareAndSetResponse* response);
  absl::Status expire(const ExpireRequest& request, ExpireResponse* response);
  // Every key with `prefix` (empty: all) from every node, merged in key
  // order, up to `limit` (0: no limit). Each node's keys are taken only for
  // the slots the map gives it (a node may hold stale copies mid-move).
  absl::Status scan(const std::string& prefix, size_t limit, std::vector<KeyValue>* out);

 private:
  template <typename Request, typename Response>
  struct Call;
  template <typename Request, typename Response>
  using Method = void (KvService::Stub::*)(const Request&, Done<Response>, const rpc::CallOptions&);

  template <typename Request, typename Response>
  void start(Method<Request, Response> method, const Request& request, Done<Response> done);
  template <typename Request, typename Response>
  void attempt(std::shared_ptr<Call<Request, Response>> call);
  template <typename Request, typename Response>
  absl::Status blocking(Method<Request, Response> method, const Request& request,
                        Response* response);

  // Loop thread. Call options pinning a call to the node at `address`
  // ("host:port"), which joins the cluster channel's endpoints if new; false
  // (logged) if the address does not resolve.
  bool pinTo(const std::string& address, rpc::CallOptions* options);
  // Loop thread. The endpoints: the map's nodes, the seeds, the redirects'.
  void pruneEndpoints();
  void pushEndpoints();
  // The address serving `slot`: a redirect's, else the map's; empty if none.
  std::string addressFor(int slot) const;
  // Fetches the map from `address` and installs it if newer; async.
  void refreshFrom(const std::string& address);

  net::EventLoop* const loop_;
  const Options options_;
  mutable Mutex mutex_;
  std::shared_ptr<const SlotMap> map_ ABSL_GUARDED_BY(mutex_);
  // Where MOVED said a slot is, until a newer map arrives.
  absl::flat_hash_map<int, std::string> redirects_ ABSL_GUARDED_BY(mutex_);
  Stats stats_ ABSL_GUARDED_BY(mutex_);
  // The cluster channel's resolver; owned by channel_.
  rpc::naming::ListResolver* resolver_ = nullptr;
  std::unique_ptr<rpc::cluster::ClusterChannel> channel_;
  KvService::Stub kv_;
  KvClusterAdmin::Stub admin_;
  // Loop thread only. Node address ("host:port") -> the endpoint's name in
  // the cluster channel ("ip:port") and its address.
  absl::flat_hash_map<std::string, std::pair<std::string, net::InetAddress>> endpoints_;
  bool refreshing_ = false;
};

}  // namespace muduo::kv::cluster

#endif  // SERVICES_KV_CLUSTER_KVCLUSTERCLIENT_H_
