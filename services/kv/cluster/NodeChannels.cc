#include "services/kv/cluster/NodeChannels.h"

#include "absl/strings/str_cat.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/HostPort.h"

namespace muduo::kv::cluster {
namespace {

rpc::RpcChannel::Options channelOptions(std::chrono::milliseconds timeout) {
  rpc::RpcChannel::Options options;
  options.defaultTimeout = timeout;
  return options;
}

}  // namespace

NodeChannel::NodeChannel(net::EventLoop* loop, const net::InetAddress& address,
                         std::chrono::milliseconds timeout)
    : channel(loop, address, channelOptions(timeout)), kv(&channel), admin(&channel) {
  channel.connect();
}

absl::StatusOr<NodeChannel*> NodeChannels::get(const std::string& address) {
  auto it = nodes_.find(address);
  if (it != nodes_.end()) return it->second.get();
  absl::StatusOr<net::InetAddress> resolved = net::HostPort::resolve(address);
  if (!resolved.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("node address ", address, ": ", resolved.status().message()));
  }
  auto node = std::make_unique<NodeChannel>(loop_, *resolved, timeout_);
  NodeChannel* raw = node.get();
  nodes_.emplace(address, std::move(node));
  return raw;
}

}  // namespace muduo::kv::cluster
