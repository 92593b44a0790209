#include "rpc/RpcStats.h"

#include <algorithm>

#include "google/protobuf/descriptor.h"

namespace muduo::rpc {

struct RpcStats::Entry {
  const size_t index;  // its row in every shard
};

namespace {
std::atomic<uint64_t> g_nextStatsId{1};
}  // namespace

RpcStats::RpcStats()
    : id_(g_nextStatsId.fetch_add(1, std::memory_order_relaxed)),
      started_(std::chrono::steady_clock::now()) {}
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
  if (entry == nullptr) entry = std::make_unique<Entry>(Entry{nextIndex_++});
  if (resolved_.size() < kMaxResolved && key.size() <= kMaxResolvedKey) {
    resolved_.emplace(key, entry.get());
  }
  return entry.get();
}

RpcStats::Shard* RpcStats::shardOfThisThread() {
  // A thread serves a handful of servers at most (tests make many, one
  // after another): a few recent ones are remembered, by id, and a miss
  // costs one lookup under mutex_.
  struct Cached {
    uint64_t statsId = 0;
    Shard* shard = nullptr;
  };
  constexpr size_t kCached = 4;
  thread_local Cached cache[kCached];
  thread_local size_t nextSlot = 0;
  for (const Cached& c : cache) {
    if (c.statsId == id_) return c.shard;
  }
  Shard* shard;
  {
    MutexLock lock(&mutex_);
    Shard*& mine = shardOf_[std::this_thread::get_id()];
    if (mine == nullptr) {
      shards_.push_back(std::make_unique<Shard>());
      mine = shards_.back().get();
    }
    shard = mine;
  }
  cache[nextSlot] = Cached{id_, shard};
  nextSlot = (nextSlot + 1) % kCached;
  return shard;
}

void RpcStats::record(Entry* entry, bool ok, std::chrono::nanoseconds latency) {
  Shard* shard = shardOfThisThread();
  SpinLockHolder lock(&shard->lock);
  if (shard->rows.size() <= entry->index) shard->rows.resize(entry->index + 1);
  MethodStats& row = shard->rows[entry->index];
  ++row.calls;
  if (!ok) ++row.errors;
  row.latencyNs.record(latency.count());
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
    for (const auto& [name, entry] : entries_) {
      MethodStats merged;
      for (const auto& shard : shards_) {
        SpinLockHolder shardLock(&shard->lock);
        if (entry->index >= shard->rows.size()) continue;
        const MethodStats& row = shard->rows[entry->index];
        merged.calls += row.calls;
        merged.errors += row.errors;
        merged.latencyNs.merge(row.latencyNs);
      }
      result.emplace_back(name, std::move(merged));
    }
  }
  std::sort(result.begin(), result.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return result;
}

}  // namespace muduo::rpc
