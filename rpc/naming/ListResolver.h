// ListResolver: a fixed list of endpoints ("list://a:9090,b:9090"), pushed
// once on start(). For tests, and for deployments whose servers never move.
//
// Thread contract: as Resolver.
#ifndef RPC_NAMING_LISTRESOLVER_H_
#define RPC_NAMING_LISTRESOLVER_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "rpc/naming/Resolver.h"

namespace muduo::rpc::naming {

class ListResolver final : public Resolver {
 public:
  explicit ListResolver(EndpointList endpoints) : endpoints_(std::move(endpoints)) {}

  // `spec` is what follows "list://": comma-separated numeric host:port
  // pairs (names belong to dns://). INVALID_ARGUMENT naming the bad entry.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ListResolver>> parse(std::string_view spec);

  void start(net::EventLoop* loop, Listener listener) override;
  void stop() override;

  [[nodiscard]] const EndpointList& endpoints() const { return endpoints_; }

 private:
  EndpointList endpoints_;
  // Shared with the task start() queues, so a stop() before it runs
  // silences it.
  std::shared_ptr<bool> stopped_ = std::make_shared<bool>(false);
};

}  // namespace muduo::rpc::naming

#endif  // RPC_NAMING_LISTRESOLVER_H_
