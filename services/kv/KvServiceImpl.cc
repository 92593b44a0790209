#include "services/kv/KvServiceImpl.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/kv/Limits.h"
#include "services/kv/Store.h"

namespace muduo::kv {
namespace {

absl::Status checkKey(const std::string& key) {
  if (key.size() <= kMaxKeySize) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("key of ", key.size(), " bytes is over the limit of ", kMaxKeySize));
}

}  // namespace

void KvServiceImpl::Get(rpc::ServerContext*, const GetRequest* request, GetResponse* response,
                        rpc::DoneCallback done) {
  if (absl::Status s = checkKey(request->key()); !s.ok()) {
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

// A relative time in ms as an absolute expiry, saturating far in the future.
int64_t KvServiceImpl::expiryFromNow(uint64_t ttlMs) const {
  constexpr uint64_t kMaxTtlMs = uint64_t{100} * 365 * 24 * 3600 * 1000;  // a century
  return store_->now() + static_cast<int64_t>(std::min(ttlMs, kMaxTtlMs));
}

void KvServiceImpl::Expire(rpc::ServerContext*, const ExpireRequest* request,
                           ExpireResponse* response, rpc::DoneCallback done) {
  if (absl::Status s = checkKey(request->key()); !s.ok()) {
    std::move(done)(s);
    return;
  }
  WriteBatch batch;
  WriteOp& op = batch.op(WriteOp::Kind::kExpire, request->key());
  op.expireAt = request->ttl_ms() == 0 ? 0 : expiryFromNow(request->ttl_ms());
  store_->write(std::move(batch),
                [response, done = std::move(done)](absl::Status status, WriteBatch& b) mutable {
                  if (status.ok()) {
                    response->set_found(b.ops()[0].outcome != WriteOp::Outcome::kNoSuchKey);
                  }
                  std::move(done)(status);
                });
}

void KvServiceImpl::Put(rpc::ServerContext*, const PutRequest* request, PutResponse*,
                        rpc::DoneCallback done) {
  WriteBatch batch;
  WriteOp& op = batch.put(request->key(), request->value());
  if (request->ttl_ms() != 0) op.expireAt = expiryFromNow(request->ttl_ms());
  store_->write(std::move(batch),
                [done = std::move(done)](absl::Status status, WriteBatch&) mutable {
                  std::move(done)(status);
                });
}

void KvServiceImpl::Delete(rpc::ServerContext*, const DeleteRequest* request,
                           DeleteResponse* response, rpc::DoneCallback done) {
  WriteBatch batch;
  batch.remove(request->key());
  store_->write(std::move(batch),
                [response, done = std::move(done)](absl::Status status, WriteBatch& b) mutable {
                  if (status.ok()) response->set_existed(b.ops()[0].existed);
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
  WriteBatch batch;
  batch.compareAndSet(
      request->key(),
      request->has_expected() ? std::optional<std::string>(request->expected()) : std::nullopt,
      request->has_new_value() ? std::optional<std::string>(request->new_value()) : std::nullopt);
  store_->write(std::move(batch),
                [response, done = std::move(done)](absl::Status status, WriteBatch& b) mutable {
                  if (status.ok()) {
                    WriteOp& op = b.ops()[0];
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
