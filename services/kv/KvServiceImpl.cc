#include "services/kv/KvServiceImpl.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "muduo/net/EventLoop.h"
#include "services/kv/Limits.h"
#include "services/kv/Store.h"
#include "services/kv/cluster/ClusterState.h"

namespace muduo::kv {
namespace {

absl::Status checkKey(const std::string& key) {
  if (key.size() <= kMaxKeySize) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("key of ", key.size(), " bytes is over the limit of ", kMaxKeySize));
}

}  // namespace

absl::Status KvServiceImpl::admit(const std::string& key, bool write) const {
  if (cluster_ == nullptr) return absl::OkStatus();
  return cluster::ClusterState::mrpcStatus(
      cluster_->admit(key, write, cluster::ClusterState::Protocol::kMrpc));
}

void KvServiceImpl::Get(rpc::ServerContext*, const GetRequest* request, GetResponse* response,
                        rpc::DoneCallback done) {
  absl::Status s = checkKey(request->key());
  if (s.ok()) s = admit(request->key(), /*write=*/false);
  if (!s.ok()) {
    std::move(done)(s);
    return;
  }
  const bool found = store_->read(request->key(), [response](std::string_view value) {
    response->set_value(value.data(), value.size());
  });
  response->set_found(found);
  // A separate look: a key that expires between the two reads shows its
  // value with ttl_ms 0, as if read just before it expired.
  if (found) {
    const int64_t ttl = store_->ttlMillis(request->key());
    response->set_ttl_ms(ttl == -2 ? 0 : ttl);
  }
  std::move(done)(absl::OkStatus());
}

void KvServiceImpl::write(absl::FunctionRef<void(WriteBatch&)> build, size_t bytes,
                          WriteCombiner::Callback done) {
  net::EventLoop* loop = net::EventLoop::getEventLoopOfCurrentThread();
  if (loop == nullptr) {
    WriteBatch batch;
    build(batch);
    store_->write(std::move(batch),
                  [done = std::move(done)](absl::Status status, WriteBatch& b) mutable {
                    done(status, std::span<WriteOp>(b.ops()));
                  });
    return;
  }
  const std::shared_ptr<WriteCombiner> combiner = combiners_.forLoop(loop);
  WriteBatch& batch = combiner->batchFor(bytes);
  const size_t first = batch.size();
  build(batch);
  combiner->add(std::move(done), first);
}

// A relative time in ms as an absolute expiry, saturating far in the future.
int64_t KvServiceImpl::expiryFromNow(uint64_t ttlMs) const {
  constexpr uint64_t kMaxTtlMs = uint64_t{100} * 365 * 24 * 3600 * 1000;  // a century
  return store_->now() + static_cast<int64_t>(std::min(ttlMs, kMaxTtlMs));
}

void KvServiceImpl::Expire(rpc::ServerContext*, const ExpireRequest* request,
                           ExpireResponse* response, rpc::DoneCallback done) {
  absl::Status s = checkKey(request->key());
  if (s.ok()) s = admit(request->key(), /*write=*/true);
  if (!s.ok()) {
    std::move(done)(s);
    return;
  }
  const int64_t expireAt = request->ttl_ms() == 0 ? 0 : expiryFromNow(request->ttl_ms());
  write(
      [request, expireAt](WriteBatch& batch) {
        batch.op(WriteOp::Kind::kExpire, request->key()).expireAt = expireAt;
      },
      WriteBatch::opBytes(request->key().size(), 0),
      [response, done = std::move(done)](const absl::Status& status,
                                         std::span<WriteOp> ops) mutable {
        if (status.ok()) response->set_found(ops[0].outcome != WriteOp::Outcome::kNoSuchKey);
        std::move(done)(status);
      });
}

void KvServiceImpl::Put(rpc::ServerContext*, const PutRequest* request, PutResponse*,
                        rpc::DoneCallback done) {
  if (absl::Status s = admit(request->key(), /*write=*/true); !s.ok()) {
    std::move(done)(s);
    return;
  }
  const int64_t expireAt = request->ttl_ms() == 0 ? 0 : expiryFromNow(request->ttl_ms());
  write([request, expireAt](
            WriteBatch& batch) { batch.put(request->key(), request->value()).expireAt = expireAt; },
        WriteBatch::opBytes(request->key().size(), request->value().size()),
        [done = std::move(done)](const absl::Status& status, std::span<WriteOp>) mutable {
          std::move(done)(status);
        });
}

void KvServiceImpl::Delete(rpc::ServerContext*, const DeleteRequest* request,
                           DeleteResponse* response, rpc::DoneCallback done) {
  if (absl::Status s = admit(request->key(), /*write=*/true); !s.ok()) {
    std::move(done)(s);
    return;
  }
  write([request](WriteBatch& batch) { batch.remove(request->key()); },
        WriteBatch::opBytes(request->key().size(), 0),
        [response, done = std::move(done)](const absl::Status& status,
                                           std::span<WriteOp> ops) mutable {
          if (status.ok()) response->set_existed(ops[0].existed);
          std::move(done)(status);
        });
}

void KvServiceImpl::Scan(rpc::ServerContext*, const ScanRequest* request, ScanResponse* response,
                         rpc::DoneCallback done) {
  // [start, end) intersected with the prefix's range.
  std::string_view start = request->start();
  std::optional<std::string_view> end;
  if (!request->end().empty()) end = request->end();
  std::optional<std::string> prefixEnd;
  if (!request->prefix().empty()) {
    start = std::max(start, std::string_view(request->prefix()));
    prefixEnd = Store::prefixEnd(request->prefix());
    if (prefixEnd && (!end || *prefixEnd < *end)) end = *prefixEnd;
  }
  uint32_t limit = request->limit() == 0 ? kDefaultScanLimit : request->limit();
  limit = std::min(limit, kMaxScanLimit);
  bool more = false;
  auto entries = store_->scan(start, end, limit, kMaxScanBytes, &more);
  response->mutable_entries()->Reserve(static_cast<int>(entries.size()));
  for (auto& [key, value] : entries) {
    KeyValue* entry = response->add_entries();
    entry->set_key(std::move(key));
    entry->set_value(std::move(value));
  }
  response->set_more(more);
  std::move(done)(absl::OkStatus());
}

void KvServiceImpl::CompareAndSet(rpc::ServerContext*, const CompareAndSetRequest* request,
                                  CompareAndSetResponse* response, rpc::DoneCallback done) {
  if (absl::Status s = admit(request->key(), /*write=*/true); !s.ok()) {
    std::move(done)(s);
    return;
  }
  write(
      [request](WriteBatch& batch) {
        batch.compareAndSet(
            request->key(),
            request->has_expected() ? std::optional<std::string>(request->expected())
                                    : std::nullopt,
            request->has_new_value() ? std::optional<std::string>(request->new_value())
                                     : std::nullopt);
      },
      WriteBatch::opBytes(request->key().size(),
                          request->expected().size() + request->new_value().size()),
      [response, done = std::move(done)](const absl::Status& status,
                                         std::span<WriteOp> ops) mutable {
        if (status.ok()) {
          WriteOp& op = ops[0];
          const bool swapped = op.outcome == WriteOp::Outcome::kApplied;
          response->set_swapped(swapped);
          if (!swapped) {
            response->set_found(op.existed);
            response->set_current(std::move(op.current));
          }
        }
        std::move(done)(status);
      });
}

}  // namespace muduo::kv
