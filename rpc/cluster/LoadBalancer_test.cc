#include "rpc/cluster/LoadBalancer.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace muduo::rpc::cluster {
namespace {

class LoadBalancerTest : public ::testing::Test {
 protected:
  void use(Policy policy, const std::vector<uint32_t>& weights) {
    backends_.clear();
    for (size_t i = 0; i < weights.size(); ++i) {
      backends_.push_back(Backend{"10.0.0." + std::to_string(i + 1) + ":9090", weights[i], 0, 0});
    }
    std::vector<const Backend*> pointers;
    for (const Backend& b : backends_) pointers.push_back(&b);
    lb_ = makeLoadBalancer(policy, 42);
    lb_->setBackends(pointers);
  }
  std::vector<int> shares(int picks, std::vector<bool> usable = {}) {
    std::vector<int> count(backends_.size());
    for (int n = 0; n < picks; ++n) {
      const int i =
          lb_->pick(std::nullopt, [&](size_t index) { return usable.empty() || usable[index]; });
      EXPECT_GE(i, 0);
      if (i >= 0) ++count[static_cast<size_t>(i)];
    }
    return count;
  }

  std::vector<Backend> backends_;
  std::unique_ptr<LoadBalancer> lb_;
};

TEST_F(LoadBalancerTest, RoundRobinGivesEachTheSameShareAndSkipsTheUnusable) {
  use(Policy::kRoundRobin, {1, 1, 1});
  EXPECT_EQ(shares(3000), (std::vector<int>{1000, 1000, 1000}));
  EXPECT_EQ(shares(3000, {true, false, true}), (std::vector<int>{1500, 0, 1500}));
}

TEST_F(LoadBalancerTest, WeightedRoundRobinGivesExactSharesSmoothlyInterleaved) {
  use(Policy::kWeightedRoundRobin, {3, 1, 1});
  std::string order;
  for (int n = 0; n < 5; ++n) {
    order += static_cast<char>('a' + lb_->pick(std::nullopt, [](size_t) { return true; }));
  }
  EXPECT_EQ(order, "abaca") << "nginx's smooth order, not aaabc";
  EXPECT_EQ(shares(5000), (std::vector<int>{3000, 1000, 1000}));
}

TEST_F(LoadBalancerTest, WeightedRoundRobinSendsNothingToAZeroWeight) {
  use(Policy::kWeightedRoundRobin, {2, 0, 1});
  EXPECT_EQ(shares(300), (std::vector<int>{200, 0, 100}));
}

TEST_F(LoadBalancerTest, RandomIsUniformWithinAFewPercent) {
  use(Policy::kRandom, {1, 1, 1});
  for (int c : shares(30000)) {
    EXPECT_GT(c, 9500);
    EXPECT_LT(c, 10500);
  }
  EXPECT_EQ(shares(100, {false, true, false}), (std::vector<int>{0, 100, 0}));
}

TEST_F(LoadBalancerTest, PowerOfTwoChoicesAvoidsTheBackendWithTheMostOutstanding) {
  use(Policy::kPowerOfTwo, {1, 1, 1});
  backends_[1].outstanding = 10;
  const auto count = shares(3000);
  EXPECT_EQ(count[1], 0) << "the loaded one loses every pair it is in";
  EXPECT_GT(count[0], 1200);
  EXPECT_GT(count[2], 1200);
}

TEST_F(LoadBalancerTest, PowerOfTwoChoicesBreaksTiesByLatency) {
  use(Policy::kPowerOfTwo, {1, 1});
  backends_[0].latencyEwmaUs = 900;
  backends_[1].latencyEwmaUs = 100;
  EXPECT_EQ(shares(100), (std::vector<int>{0, 100}));
}

TEST_F(LoadBalancerTest, ConsistentHashSendsOneKeyToOneBackendAndPassesOverAnUnusableOne) {
  use(Policy::kConsistentHash, {1, 1, 1});
  auto all = [](size_t) { return true; };
  for (uint64_t key = 0; key < 100; ++key) {
    const int first = lb_->pick(key, all);
    EXPECT_EQ(lb_->pick(key, all), first);
    EXPECT_NE(lb_->pick(key, [first](size_t i) { return static_cast<int>(i) != first; }), first);
  }
}

TEST_F(LoadBalancerTest, EveryPolicyReturnsMinusOneWhenNothingIsUsable) {
  for (Policy policy : {Policy::kRoundRobin, Policy::kWeightedRoundRobin, Policy::kRandom,
                        Policy::kPowerOfTwo, Policy::kConsistentHash}) {
    use(policy, {1, 1});
    EXPECT_EQ(lb_->pick(5, [](size_t) { return false; }), -1) << policyName(policy);
  }
}

}  // namespace
}  // namespace muduo::rpc::cluster
