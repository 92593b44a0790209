// ListResolver: a list of endpoints its owner gives ("list://a:9090,b:9090",
// or update()), pushed on start() and again on every update(). For tests,
// deployments whose servers never move, and owners that learn the list
// themselves (KvClusterClient feeds it the nodes of its slot map).
//
// Thread contract: as Resolver; update() in the loop thread given to
// start() (or before start(), from the thread that owns the resolver).
#ifndef RPC_NAMING_LISTRESOLVER_H_
#define RPC_NAMING_LISTRESOLVER_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "rpc/naming/Resolver.h"

namespace muduo::rpc::naming {

class ListResolver final : public Resolver {
 public:
  explicit ListResolver(EndpointList endpoints) { state_->endpoints = std::move(endpoints); }

  // `spec` is what follows "list://": comma-separated numeric host:port
  // pairs (names belong to dns://). INVALID_ARGUMENT naming the bad entry.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ListResolver>> parse(std::string_view spec);

  void start(net::EventLoop* loop, Listener listener) override;
  void stop() override;
  // Replaces the list; once started, the listener has it before this
  // returns, so a call made next sees it.
  void update(EndpointList endpoints);

  [[nodiscard]] const EndpointList& endpoints() const { return state_->endpoints; }

 private:
  struct State {
    EndpointList endpoints;
    Listener listener;
    bool stopped = false;
    bool delivered = false;
  };
  // Shared with the task start() queues, so a stop() before it runs
  // silences it and an update() before it runs supersedes it.
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace muduo::rpc::naming

#endif  // RPC_NAMING_LISTRESOLVER_H_
