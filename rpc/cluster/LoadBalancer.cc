#include "rpc/cluster/LoadBalancer.h"

#include <random>

#include "rpc/cluster/HashRing.h"

namespace muduo::rpc::cluster {

std::string_view policyName(Policy policy) {
  switch (policy) {
    case Policy::kRoundRobin:
      return "round_robin";
    case Policy::kWeightedRoundRobin:
      return "weighted_round_robin";
    case Policy::kRandom:
      return "random";
    case Policy::kPowerOfTwo:
      return "power_of_two";
    case Policy::kConsistentHash:
      return "consistent_hash";
  }
  return "unknown";
}

namespace {

class RoundRobin final : public LoadBalancer {
 public:
  void setBackends(const std::vector<const Backend*>& backends) override {
    size_ = backends.size();
  }
  int pick(std::optional<uint64_t>, Usable usable) override {
    for (size_t n = 0; n < size_; ++n) {
      const size_t i = (next_ + n) % size_;
      if (usable(i)) {
        next_ = i + 1;
        return static_cast<int>(i);
      }
    }
    return -1;
  }

 private:
  size_t size_ = 0;
  size_t next_ = 0;
};

class WeightedRoundRobin final : public LoadBalancer {
 public:
  void setBackends(const std::vector<const Backend*>& backends) override {
    backends_ = backends;
    score_.assign(backends.size(), 0);
  }
  int pick(std::optional<uint64_t>, Usable usable) override {
    int best = -1;
    int64_t total = 0;
    for (size_t i = 0; i < backends_.size(); ++i) {
      if (backends_[i]->weight == 0 || !usable(i)) continue;
      score_[i] += backends_[i]->weight;
      total += backends_[i]->weight;
      if (best < 0 || score_[i] > score_[static_cast<size_t>(best)]) best = static_cast<int>(i);
    }
    if (best >= 0) score_[static_cast<size_t>(best)] -= total;
    return best;
  }

 private:
  std::vector<const Backend*> backends_;
  std::vector<int64_t> score_;
};

// Shared by the random choices: the usable indices, then a uniform draw.
class Sampler {
 public:
  explicit Sampler(uint64_t seed) : rng_(seed) {}

  const std::vector<size_t>& usable(size_t size, LoadBalancer::Usable usable) {
    candidates_.clear();
    for (size_t i = 0; i < size; ++i) {
      if (usable(i)) candidates_.push_back(i);
    }
    return candidates_;
  }
  size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

 private:
  std::mt19937_64 rng_;
  std::vector<size_t> candidates_;
};

class Random final : public LoadBalancer {
 public:
  explicit Random(uint64_t seed) : sampler_(seed) {}
  void setBackends(const std::vector<const Backend*>& backends) override {
    size_ = backends.size();
  }
  int pick(std::optional<uint64_t>, Usable usable) override {
    const std::vector<size_t>& candidates = sampler_.usable(size_, usable);
    if (candidates.empty()) return -1;
    return static_cast<int>(candidates[sampler_.below(candidates.size())]);
  }

 private:
  Sampler sampler_;
  size_t size_ = 0;
};

class PowerOfTwo final : public LoadBalancer {
 public:
  explicit PowerOfTwo(uint64_t seed) : sampler_(seed) {}
  void setBackends(const std::vector<const Backend*>& backends) override { backends_ = backends; }
  int pick(std::optional<uint64_t>, Usable usable) override {
    const std::vector<size_t>& candidates = sampler_.usable(backends_.size(), usable);
    if (candidates.empty()) return -1;
    if (candidates.size() == 1) return static_cast<int>(candidates[0]);
    const size_t first = sampler_.below(candidates.size());
    size_t second = sampler_.below(candidates.size() - 1);
    if (second >= first) ++second;  // distinct from first, still uniform
    const size_t a = candidates[first];
    const size_t b = candidates[second];
    return static_cast<int>(better(*backends_[a], *backends_[b]) ? a : b);
  }

 private:
  static bool better(const Backend& a, const Backend& b) {
    if (a.outstanding != b.outstanding) return a.outstanding < b.outstanding;
    return a.latencyEwmaUs <= b.latencyEwmaUs;
  }

  Sampler sampler_;
  std::vector<const Backend*> backends_;
};

class ConsistentHash final : public LoadBalancer {
 public:
  explicit ConsistentHash(uint64_t seed) : fallback_(seed) {}
  void setBackends(const std::vector<const Backend*>& backends) override {
    std::vector<std::string_view> names;
    std::vector<uint32_t> weights;
    for (const Backend* backend : backends) {
      names.push_back(backend->name);
      weights.push_back(backend->weight);
    }
    ring_.build(names, weights);
    fallback_.setBackends(backends);
  }
  int pick(std::optional<uint64_t> key, Usable usable) override {
    if (!key) return fallback_.pick(key, usable);
    return ring_.lookup(*key, usable);
  }

 private:
  HashRing ring_;
  Random fallback_;
};

}  // namespace

std::unique_ptr<LoadBalancer> makeLoadBalancer(Policy policy, uint64_t seed) {
  switch (policy) {
    case Policy::kRoundRobin:
      return std::make_unique<RoundRobin>();
    case Policy::kWeightedRoundRobin:
      return std::make_unique<WeightedRoundRobin>();
    case Policy::kRandom:
      return std::make_unique<Random>(seed);
    case Policy::kPowerOfTwo:
      return std::make_unique<PowerOfTwo>(seed);
    case Policy::kConsistentHash:
      return std::make_unique<ConsistentHash>(seed);
  }
  return nullptr;
}

}  // namespace muduo::rpc::cluster
