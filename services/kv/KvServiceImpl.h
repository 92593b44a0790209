// KvServiceImpl: the MRPC face of a Store. Reads answer at once from the
// store's table; writes answer from the store's callback, after the write
// is durable.
//
// Thread contract: methods run concurrently in the RpcServer's I/O threads;
// the store must outlive the service and the server using it.
#ifndef SERVICES_KV_KVSERVICEIMPL_H_
#define SERVICES_KV_KVSERVICEIMPL_H_

#include "services/kv/kv.rpc.h"

namespace muduo::kv {

class Store;

class KvServiceImpl final : public KvService::Service {
 public:
  // Scan answers stop at this many bytes of keys and values (frames are
  // limited to 64 MiB).
  static constexpr size_t kMaxScanBytes = 32 << 20;
  static constexpr uint32_t kDefaultScanLimit = 1000;
  static constexpr uint32_t kMaxScanLimit = 10000;

  explicit KvServiceImpl(Store* store) : store_(store) {}

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
  [[nodiscard]] int64_t expiryFromNow(uint64_t ttlMs) const;

  Store* const store_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_KVSERVICEIMPL_H_
