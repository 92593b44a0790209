#include "rpc/RpcStats.h"

#include <algorithm>

#include "google/protobuf/descriptor.h"

namespace muduo::rpc {

struct RpcStats::Entry {
  MethodStats stats;  // guarded by the owning RpcStats' mutex_
};

RpcStats::RpcStats() : started_(std::chrono::steady_clock::now()) {}
RpcStats::~RpcStats() = default;

RpcStats::Entry* RpcStats::entryFor(std::string_view service, std::string_view method) {
  // Runs once per call: the key is built in a per-thread scratch string that
  // keeps its capacity, so a method already in the table costs no allocation.
  thread_local std::string key;
  key.assign(service).append(".").append(method);
  {
    MutexLock lock(&mutex_);
    if (auto it = resolved_.find(key); it != resolved_.end()) return it->second;
  }
  // A miss: a known method's first call, or a name no .proto declares.
  // Looked up outside mutex_, since the pool takes a lock of its own.
  const google::protobuf::ServiceDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(std::string(service));
  const bool known =
      descriptor != nullptr && descriptor->FindMethodByName(std::string(method)) != nullptr;
  MutexLock lock(&mutex_);
  std::unique_ptr<Entry>& entry = known ? entries_[key] : entries_[std::string(kUnknownMethod)];
  if (entry == nullptr) entry = std::make_unique<Entry>();
  if (resolved_.size() < kMaxResolved && key.size() <= kMaxResolvedKey) {
    resolved_.emplace(key, entry.get());
  }
  return entry.get();
}

void RpcStats::record(Entry* entry, bool ok, std::chrono::nanoseconds latency) {
  MutexLock lock(&mutex_);
  ++entry->stats.calls;
  if (!ok) ++entry->stats.errors;
  entry->stats.latencyNs.record(latency.count());
}

std::chrono::seconds RpcStats::uptime() const {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                          started_);
}

std::vector<std::pair<std::string, RpcStats::MethodStats>> RpcStats::snapshot() const {
  std::vector<std::pair<std::string, MethodStats>> result;
  {
    MutexLock lock(&mutex_);
    result.reserve(entries_.size());
    for (const auto& [name, entry] : entries_) result.emplace_back(name, entry->stats);
  }
  std::sort(result.begin(), result.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return result;
}

}  // namespace muduo::rpc
