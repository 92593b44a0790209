#include "rpc/naming/testing/ResolverProbe.h"

#include "muduo/net/EventLoop.h"
#include "rpc/naming/Naming.h"

namespace muduo::rpc::naming::testing {

ResolverProbe::ResolverProbe(const std::string& url) : loop_(thread_.startLoop()) {
  absl::StatusOr<std::unique_ptr<Resolver>> resolver = makeResolver(url);
  if (!resolver.ok()) {
    status_ = resolver.status();
    return;
  }
  resolver_ = std::move(*resolver);
  loop_->runInLoop([this] {
    resolver_->start(loop_, [this](const Pushed& endpoints) { pushed_.put(endpoints); });
  });
}

ResolverProbe::~ResolverProbe() { stop(); }

void ResolverProbe::stop() {
  Inbox<bool> done;
  loop_->runInLoop([&] {
    if (resolver_ != nullptr) resolver_->stop();
    resolver_.reset();
    done.put(true);
  });
  (void)done.waitForAny();
}

bool ResolverProbe::waitForPorts(const std::vector<uint16_t>& ports) {
  return pushed_.waitFor([&](const std::vector<Pushed>& pushes) {
    return !pushes.empty() && pushes.back().ok() && ResolverProbe::ports(pushes.back()) == ports;
  });
}

std::vector<uint16_t> ResolverProbe::ports(const Pushed& pushed) {
  std::vector<uint16_t> result;
  if (pushed.ok()) {
    for (const Endpoint& endpoint : *pushed) result.push_back(endpoint.address.port());
  }
  return result;
}

}  // namespace muduo::rpc::naming::testing
