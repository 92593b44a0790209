// HashRing: a ketama-style consistent-hash ring. Each backend owns
// `pointsPerWeight * weight` points at stable hashes of "<name>#<i>"; a key
// belongs to the first point at or after its own hash, going clockwise.
// Adding one backend to n moves about 1/(n+1) of the keys; removing one moves
// only the keys it owned.
//
// The hashes are our own fixed functions (FNV-1a, then a 64-bit finalizer),
// not std::hash, so every process and every build places a name on the same
// points: clients that share an endpoint list agree on where a key goes.
//
// A value type; not thread-safe (one owner, its loop thread).
#ifndef RPC_CLUSTER_HASHRING_H_
#define RPC_CLUSTER_HASHRING_H_

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"

namespace muduo::rpc::cluster {

class HashRing {
 public:
  static constexpr uint32_t kDefaultPointsPerWeight = 160;

  // A stable 64-bit hash of `bytes`, and a stable scramble of a caller's
  // key (so keys 1, 2, 3 land far apart).
  [[nodiscard]] static uint64_t hash(std::string_view bytes);
  [[nodiscard]] static uint64_t mix(uint64_t key);

  // Rebuilds the ring: backend i is named names[i] with weights[i] (0: no
  // points).
  void build(const std::vector<std::string_view>& names, const std::vector<uint32_t>& weights,
             uint32_t pointsPerWeight = kDefaultPointsPerWeight);

  // The backend index owning `key` (already scrambled or not: it is mixed
  // here), skipping those `usable` refuses; -1 if none is usable.
  [[nodiscard]] int lookup(uint64_t key, absl::FunctionRef<bool(size_t)> usable) const;

  [[nodiscard]] size_t points() const { return ring_.size(); }

 private:
  std::vector<std::pair<uint64_t, uint32_t>> ring_;  // (point, backend), sorted
  size_t backends_ = 0;
};

}  // namespace muduo::rpc::cluster

#endif  // RPC_CLUSTER_HASHRING_H_
