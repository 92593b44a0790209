// ClusterAdminServiceImpl: the KvClusterAdmin service (kv_cluster.proto) of
// one kv_server: the slot map, and the node's half of moving slots (block,
// copy out, copy in, hand off, delete). kv_admin drives a move; the
// guarantee that no acknowledged write is lost is argued in
// services/kv/README.md ("Moving a slot") and rests on BlockSlot: it
// answers only once every write to the slots admitted before the block is
// applied to the store.
//
// How BlockSlot knows: front ends admit a request (ClusterState) in an I/O
// loop and hand its write to that loop's WriteCombiner, which passes it to
// the store from a functor queued in the same loop iteration. So once every
// I/O loop has run a functor queued after the block, and then run a second
// one queued after that (the first may have run in the very iteration that
// admitted a write, before that iteration's flush), every admitted write has
// reached Store::write; an empty batch written after that completes only
// after them (the store applies batches in order).
//
// Thread contract: methods run in the RpcServer's I/O threads. The store,
// the cluster state and the loops must outlive the service.
#ifndef SERVICES_KV_CLUSTER_CLUSTERADMINSERVICEIMPL_H_
#define SERVICES_KV_CLUSTER_CLUSTERADMINSERVICEIMPL_H_

#include <functional>
#include <vector>

#include "services/kv/cluster/kv_cluster.rpc.h"

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::kv {
class Store;
}  // namespace muduo::kv

namespace muduo::kv::cluster {

class ClusterState;

class ClusterAdminServiceImpl final : public KvClusterAdmin::Service {
 public:
  // Keys looked at per SlotEntries or DeleteSlot page, at most.
  static constexpr size_t kMaxScannedPerPage = 50000;
  static constexpr uint32_t kDefaultPageEntries = 1000;
  static constexpr size_t kMaxPageBytes = 16 << 20;

  // `ioLoops` lists the loops that admit requests (the RpcServer's, which
  // the RESP server shares); called once a block starts.
  ClusterAdminServiceImpl(Store* store, ClusterState* cluster,
                          std::function<std::vector<net::EventLoop*>()> ioLoops)
      : store_(store), cluster_(cluster), ioLoops_(std::move(ioLoops)) {}

  void GetSlotMap(rpc::ServerContext* context, const GetSlotMapRequest* request,
                  GetSlotMapResponse* response, rpc::DoneCallback done) override;
  void SetSlotMap(rpc::ServerContext* context, const SetSlotMapRequest* request,
                  SetSlotMapResponse* response, rpc::DoneCallback done) override;
  void BlockSlot(rpc::ServerContext* context, const SlotRequest* request, SlotResponse* response,
                 rpc::DoneCallback done) override;
  void UnblockSlot(rpc::ServerContext* context, const SlotRequest* request, SlotResponse* response,
                   rpc::DoneCallback done) override;
  void HandOffSlot(rpc::ServerContext* context, const HandOffRequest* request,
                   SlotResponse* response, rpc::DoneCallback done) override;
  void SlotEntries(rpc::ServerContext* context, const SlotEntriesRequest* request,
                   SlotEntriesResponse* response, rpc::DoneCallback done) override;
  void Import(rpc::ServerContext* context, const ImportRequest* request, ImportResponse* response,
              rpc::DoneCallback done) override;
  void DeleteSlot(rpc::ServerContext* context, const SlotEntriesRequest* request,
                  DeleteSlotResponse* response, rpc::DoneCallback done) override;

 private:
  Store* const store_;
  ClusterState* const cluster_;
  const std::function<std::vector<net::EventLoop*>()> ioLoops_;
};

}  // namespace muduo::kv::cluster

#endif  // SERVICES_KV_CLUSTER_CLUSTERADMINSERVICEIMPL_H_
