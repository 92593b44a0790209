#include "rpc/RpcStats.h"

#include <algorithm>

namespace muduo::rpc {

struct RpcStats::Entry {
  MethodStats stats;  // guarded by the owning RpcStats' mutex_
};

RpcStats::RpcStats() : started_(std::chrono::steady_clock::now()) {}
RpcStats::~RpcStats() = default;

RpcStats::Entry* RpcStats::entryFor(std::string_view service, std::string_view method) {
  std::string key;
  key.reserve(service.size() + 1 + method.size());
  key.append(service).append(".").append(method);
  MutexLock lock(&mutex_);
  // Method names come from clients: past a bound, unknown ones share a slot
  // so garbage cannot grow the table.
  if (entries_.size() >= kMaxEntries && !entries_.contains(key)) key = "(other)";
  std::unique_ptr<Entry>& entry = entries_[key];
  if (entry == nullptr) entry = std::make_unique<Entry>();
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
