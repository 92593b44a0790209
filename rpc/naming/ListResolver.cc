#include "rpc/naming/ListResolver.h"

#include <utility>

#include "muduo/net/EventLoop.h"
#include "muduo/net/HostPort.h"

namespace muduo::rpc::naming {

absl::StatusOr<std::unique_ptr<ListResolver>> ListResolver::parse(std::string_view spec) {
  EndpointList endpoints;
  // Every entry, empty ones too, so "a:1,,b:2" is refused rather than read
  // as two.
  for (size_t start = 0;;) {
    size_t comma = spec.find(',', start);
    std::string_view entry = spec.substr(start, comma - start);
    absl::StatusOr<net::HostPort> hostPort = net::HostPort::parse(entry);
    if (!hostPort.ok()) {
      return hostPort.status();
    }
    // A fixed list is resolved once, here, so nothing blocks later; a name
    // would need refreshing, which is what dns:// is for.
    std::optional<net::InetAddress> address =
        net::InetAddress::parse(hostPort->host(), hostPort->port());
    if (!address) {
      return absl::InvalidArgumentError("list:// takes numeric addresses, not \"" +
                                        std::string(entry) + "\" (use dns:// for a name)");
    }
    endpoints.push_back(Endpoint{*address, 1, {}});
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return std::make_unique<ListResolver>(std::move(endpoints));
}

void ListResolver::start(net::EventLoop* loop, Listener listener) {
  state_->listener = std::move(listener);
  // Queued, not called here: every resolver delivers its first list after
  // start() returns, so a caller never sees its listener run re-entrantly.
  loop->queueInLoop([state = state_] {
    if (!state->stopped && !state->delivered) {
      state->delivered = true;
      state->listener(state->endpoints);
    }
  });
}

void ListResolver::stop() { state_->stopped = true; }

void ListResolver::update(EndpointList endpoints) {
  state_->endpoints = std::move(endpoints);
  if (state_->listener && !state_->stopped) {
    state_->delivered = true;
    state_->listener(state_->endpoints);
  }
}

}  // namespace muduo::rpc::naming
