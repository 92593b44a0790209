// RetryBudget: how a cluster channel keeps retries and backup requests from
// multiplying load during an outage, as gRPC's retry throttling does. A
// bucket holds up to maxTokens; each failed attempt takes one, each success
// gives back `tokensPerSuccess`; a retry or a backup is allowed only while
// the bucket is more than half full. In a full outage every attempt fails,
// the bucket drains after about maxTokens/2 failures, and from then on each
// call makes one attempt; it refills as calls succeed again.
//
// Thousandths of a token in an integer, so the arithmetic is exact.
// Not thread-safe (its channel's loop thread).
#ifndef RPC_CLUSTER_RETRYBUDGET_H_
#define RPC_CLUSTER_RETRYBUDGET_H_

#include <algorithm>
#include <cstdint>

namespace muduo::rpc::cluster {

class RetryBudget {
 public:
  RetryBudget(double maxTokens, double tokensPerSuccess)
      : max_(static_cast<int64_t>(maxTokens * 1000)),
        perSuccess_(static_cast<int64_t>(tokensPerSuccess * 1000)),
        tokens_(max_) {}

  void onSuccess() { tokens_ = std::min(max_, tokens_ + perSuccess_); }
  void onFailure() { tokens_ = std::max<int64_t>(0, tokens_ - 1000); }
  [[nodiscard]] bool allowRetry() const { return tokens_ > max_ / 2; }
  [[nodiscard]] double tokens() const { return static_cast<double>(tokens_) / 1000; }

 private:
  const int64_t max_;
  const int64_t perSuccess_;
  int64_t tokens_;
};

}  // namespace muduo::rpc::cluster

#endif  // RPC_CLUSTER_RETRYBUDGET_H_
