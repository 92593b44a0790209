// ClusterCalls: kv_client's commands (ClientCommand.h) over a
// KvClusterClient. A scan asks every node and merges their keys in order,
// one page holding everything (up to the request's limit).
//
// Thread contract: as KvClusterClient's blocking methods.
#ifndef SERVICES_KV_CLUSTER_CLUSTERCALLS_H_
#define SERVICES_KV_CLUSTER_CLUSTERCALLS_H_

#include "services/kv/ClientCommand.h"
#include "services/kv/cluster/KvClusterClient.h"

namespace muduo::kv::cluster {

class ClusterCalls final : public KvCalls {
 public:
  explicit ClusterCalls(KvClusterClient* client) : client_(client) {}

  absl::Status Get(const GetRequest& request, GetResponse* response) override {
    return client_->get(request, response);
  }
  absl::Status Put(const PutRequest& request, PutResponse* response) override {
    return client_->put(request, response);
  }
  absl::Status Delete(const DeleteRequest& request, DeleteResponse* response) override {
    return client_->remove(request, response);
  }
  absl::Status Scan(const ScanRequest& request, ScanResponse* response) override {
    std::vector<KeyValue> entries;
    absl::Status s = client_->scan(request.prefix(), request.limit(), &entries);
    for (KeyValue& kv : entries) *response->add_entries() = std::move(kv);
    response->set_more(false);
    return s;
  }
  absl::Status CompareAndSet(const CompareAndSetRequest& request,
                             CompareAndSetResponse* response) override {
    return client_->compareAndSet(request, response);
  }
  absl::Status Expire(const ExpireRequest& request, ExpireResponse* response) override {
    return client_->expire(request, response);
  }

 private:
  KvClusterClient* const client_;
};

}  // namespace muduo::kv::cluster

#endif  // SERVICES_KV_CLUSTER_CLUSTERCALLS_H_
