// LoadBalancer: the policy that picks which endpoint a cluster channel's
// next call goes to. makeLoadBalancer() builds one of:
//
//   kRoundRobin          each usable endpoint in turn.
//   kWeightedRoundRobin  shares proportional to Endpoint::weight, smoothly
//                        interleaved (weights 3:1:1 give a b a c a, not
//                        a a a b c): each pick adds every endpoint's weight
//                        to its running score, takes the highest, and takes
//                        the total back from the winner, as nginx does.
//   kRandom              uniformly among the usable endpoints.
//   kPowerOfTwo          two distinct usable endpoints at random; the one
//                        with fewer calls outstanding wins, and on a tie the
//                        one with the lower latency EWMA. Outstanding calls
//                        react at once to a slow or stuck endpoint; the EWMA
//                        only breaks ties, so a single slow answer does not
//                        starve an endpoint.
//   kConsistentHash      the endpoint owning CallOptions::requestKey on a
//                        ketama ring (HashRing.h), walking clockwise past
//                        unusable ones; calls without a key go at random.
//
// The policies share one interface and differ only in pick(); they live
// together here because each is a few lines and none is used alone.
//
// Not thread-safe: one owner, its channel's loop thread.
#ifndef RPC_CLUSTER_LOADBALANCER_H_
#define RPC_CLUSTER_LOADBALANCER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"

namespace muduo::rpc::cluster {

// What a policy may look at. Owned by the channel; the pointers given to
// setBackends() stay valid until the next setBackends().
struct Backend {
  std::string name;  // "ip:port": the ring hashes it
  uint32_t weight = 1;
  int outstanding = 0;       // attempts sent and not yet completed
  double latencyEwmaUs = 0;  // of completed attempts
};

enum class Policy { kRoundRobin, kWeightedRoundRobin, kRandom, kPowerOfTwo, kConsistentHash };

[[nodiscard]] std::string_view policyName(Policy policy);

class LoadBalancer {
 public:
  // Whether backend i may take this call (not ejected, not tried already, ...).
  using Usable = absl::FunctionRef<bool(size_t index)>;

  virtual ~LoadBalancer() = default;
  // The full, new set of backends (the endpoint list changed).
  virtual void setBackends(const std::vector<const Backend*>& backends) = 0;
  // The index of a usable backend, or -1 if there is none.
  [[nodiscard]] virtual int pick(std::optional<uint64_t> key, Usable usable) = 0;
};

// `seed` drives the random choices, so tests can repeat a run.
[[nodiscard]] std::unique_ptr<LoadBalancer> makeLoadBalancer(Policy policy, uint64_t seed);

}  // namespace muduo::rpc::cluster

#endif  // RPC_CLUSTER_LOADBALANCER_H_
