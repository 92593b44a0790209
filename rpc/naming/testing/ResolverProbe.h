// ResolverProbe: runs the resolver for a URL in a loop thread of its own
// and keeps every result it pushes, for the test thread to await.
//
// Test-only. Construct and destroy in one thread (not the probe's loop);
// the query methods may be called from any thread.
#ifndef RPC_NAMING_TESTING_RESOLVERPROBE_H_
#define RPC_NAMING_TESTING_RESOLVERPROBE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "muduo/net/EventLoopThread.h"
#include "rpc/naming/Resolver.h"
#include "rpc/naming/testing/Inbox.h"

namespace muduo::rpc::naming::testing {

class ResolverProbe {
 public:
  using Pushed = absl::StatusOr<EndpointList>;

  // makeResolver(url), started at once; status() says if the URL was bad.
  explicit ResolverProbe(const std::string& url);
  // Stops the resolver in its loop.
  ~ResolverProbe();
  ResolverProbe(const ResolverProbe&) = delete;
  ResolverProbe& operator=(const ResolverProbe&) = delete;

  [[nodiscard]] const absl::Status& status() const { return status_; }
  [[nodiscard]] Inbox<Pushed>& pushed() { return pushed_; }
  // Waits until the last push is a list of exactly these ports, in order.
  [[nodiscard]] bool waitForPorts(const std::vector<uint16_t>& ports);
  // Stops the resolver now (the destructor does it otherwise).
  void stop();

  [[nodiscard]] static std::vector<uint16_t> ports(const Pushed& pushed);

 private:
  absl::Status status_;
  Inbox<Pushed> pushed_;  // outlives the loop and the resolver
  net::EventLoopThread thread_;
  net::EventLoop* loop_ = nullptr;
  std::unique_ptr<Resolver> resolver_;
};

}  // namespace muduo::rpc::naming::testing

#endif  // RPC_NAMING_TESTING_RESOLVERPROBE_H_
