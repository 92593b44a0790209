#include "rpc/cluster/HashRing.h"

#include <algorithm>
#include <string>

namespace muduo::rpc::cluster {

uint64_t HashRing::hash(std::string_view bytes) {
  uint64_t h = 14695981039346656037ULL;  // FNV-1a 64 offset basis
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;  // FNV-1a 64 prime
  }
  // FNV's low bits mix poorly for short, similar strings ("a#1", "a#2"); the
  // finalizer spreads them over the whole ring.
  return mix(h);
}

uint64_t HashRing::mix(uint64_t key) {
  // The splitmix64 finalizer: a bijection, so distinct keys stay distinct.
  key ^= key >> 30;
  key *= 0xbf58476d1ce4e5b9ULL;
  key ^= key >> 27;
  key *= 0x94d049bb133111ebULL;
  key ^= key >> 31;
  return key;
}

void HashRing::build(const std::vector<std::string_view>& names,
                     const std::vector<uint32_t>& weights, uint32_t pointsPerWeight) {
  ring_.clear();
  backends_ = names.size();
  std::string point;
  for (size_t i = 0; i < names.size(); ++i) {
    const uint64_t count = static_cast<uint64_t>(weights[i]) * pointsPerWeight;
    for (uint64_t p = 0; p < count; ++p) {
      point.assign(names[i]);
      point += '#';
      point += std::to_string(p);
      ring_.emplace_back(hash(point), static_cast<uint32_t>(i));
    }
  }
  std::sort(ring_.begin(), ring_.end());
}

int HashRing::lookup(uint64_t key, absl::FunctionRef<bool(size_t)> usable) const {
  if (ring_.empty()) return -1;
  const uint64_t at = mix(key);
  auto it = std::lower_bound(ring_.begin(), ring_.end(), std::make_pair(at, uint32_t{0}));
  // Clockwise from the key's place; each backend is asked at most once.
  std::vector<bool> refused;
  for (size_t n = 0; n < ring_.size(); ++n, ++it) {
    if (it == ring_.end()) it = ring_.begin();
    const uint32_t backend = it->second;
    if (!refused.empty() && refused[backend]) continue;
    if (usable(backend)) return static_cast<int>(backend);
    if (refused.empty()) refused.assign(backends_, false);
    refused[backend] = true;
  }
  return -1;
}

}  // namespace muduo::rpc::cluster
