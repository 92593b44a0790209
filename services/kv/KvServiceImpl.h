// KvServiceImpl: the MRPC face of a Store. Reads answer at once from the
// store's table; writes answer after the write is durable. Writes made in
// an I/O loop go through that loop's WriteCombiner, so many calls arriving
// together share one store batch (as RESP's do).
//
// Thread contract: methods run concurrently in the RpcServer's I/O threads
// (or any thread: outside a loop a write goes straight to the store); the
// store must outlive the service and the server using it. Destroy the
// service only once no write is in flight (the server has shut down).
#ifndef SERVICES_KV_KVSERVICEIMPL_H_
#define SERVICES_KV_KVSERVICEIMPL_H_

#include <memory>

#include "absl/functional/function_ref.h"
#include "services/kv/WriteBatch.h"
#include "services/kv/WriteCombiner.h"
#include "services/kv/WriteCombinerPool.h"
#include "services/kv/kv.rpc.h"

namespace muduo::kv {

class Store;
namespace cluster {
class ClusterState;
}  // namespace cluster

class KvServiceImpl final : public KvService::Service {
 public:
  // Scan answers stop at this many bytes of keys and values (frames are
  // limited to 64 MiB).
  static constexpr size_t kMaxScanBytes = 32 << 20;
  static constexpr uint32_t kDefaultScanLimit = 1000;
  static constexpr uint32_t kMaxScanLimit = 10000;

  explicit KvServiceImpl(Store* store) : store_(store), combiners_(store) {}

  // Cluster mode: every call on a key is admitted by `cluster` first, and a
  // key of a slot this node does not serve is answered with its redirect
  // (ClusterState::mrpcStatus: FAILED_PRECONDITION "MOVED <slot>
  // <host:port>", ABORTED "TRYAGAIN ...", UNAVAILABLE "CLUSTERDOWN ...").
  // Scan stays local: it returns this node's keys. Before the server starts;
  // `cluster` must outlive the service.
  void setCluster(const cluster::ClusterState* cluster) { cluster_ = cluster; }

  void Get(rpc::ServerContext* context, const GetRequest* request, GetResponse* response,
           rpc::DoneCallback done) override;
  void Put(rpc::ServerContext* context, const PutRequest* request, PutResponse* response,
           rpc::DoneCallback done) override;
  void Delete(rpc::ServerContext* context, const DeleteRequest* request, DeleteResponse* response,
              rpc::DoneCallback done) override;
  void Scan(rpc::ServerContext* context, const ScanRequest* request, ScanResponse* response,
            rpc::DoneCallback done) override;
  void CompareAndSet(rpc::ServerContext* context, const CompareAndSetRequest* request,
                     CompareAndSetResponse* response, rpc::DoneCallback done) override;
  void Expire(rpc::ServerContext* context, const ExpireRequest* request, ExpireResponse* response,
              rpc::DoneCallback done) override;

 private:
  // Builds the call's ops with `build`, then writes them and calls `done`
  // with the ops' outcomes.
  void write(absl::FunctionRef<void(WriteBatch&)> build, size_t bytes,
             WriteCombiner::Callback done);
  [[nodiscard]] int64_t expiryFromNow(uint64_t ttlMs) const;

  // OK, or the redirect for a key this node does not serve now.
  [[nodiscard]] absl::Status admit(const std::string& key, bool write) const;

  Store* const store_;
  WriteCombinerPool combiners_;
  const cluster::ClusterState* cluster_ = nullptr;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_KVSERVICEIMPL_H_
