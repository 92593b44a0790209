#include "services/kv/WriteCombinerPool.h"

#include "services/kv/WriteCombiner.h"

namespace muduo::kv {

std::shared_ptr<WriteCombiner> WriteCombinerPool::forLoop(net::EventLoop* loop) {
  MutexLock lock(&mutex_);
  std::shared_ptr<WriteCombiner>& combiner = combiners_[loop];
  if (combiner == nullptr) combiner = std::make_shared<WriteCombiner>(loop, store_);
  return combiner;
}

void WriteCombinerPool::detach() {
  MutexLock lock(&mutex_);
  for (auto& [loop, combiner] : combiners_) combiner->detach();
}

}  // namespace muduo::kv
