// The cluster commands: CLUSTER KEYSLOT / SLOTS / SHARDS / NODES / INFO /
// MYID, so redis-cli -c and Redis Cluster client libraries can find which
// node serves which slot; and the admission of every keyed command in
// cluster mode (respClusterRefusal, RespClusterCommands.h).
#include "services/kv/RespClusterCommands.h"

#include <charconv>

#include "absl/strings/str_cat.h"
#include "services/kv/RespCall.h"
#include "services/kv/RespCommandTable.h"
#include "services/kv/RespErrors.h"
#include "services/kv/RespServerState.h"
#include "services/kv/cluster/ClusterState.h"

namespace muduo::kv {
namespace {

using Flag = RespCommand::Flag;
using cluster::ClusterState;
using cluster::SlotMap;

// "host:port" split for CLUSTER SLOTS; false if it has no port.
bool splitAddress(std::string_view address, std::string_view* host, int64_t* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return false;
  *host = address.substr(0, colon);
  const std::string_view digits = address.substr(colon + 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *port);
  return ec == std::errc() && end == digits.data() + digits.size();
}

void slots(RespCall& call, const SlotMap& map) {
  const std::vector<SlotMap::Range> ranges = map.ranges();
  RespReply& reply = call.reply();
  reply.arrayHeader(ranges.size());
  for (const SlotMap::Range& r : ranges) {
    const SlotMap::Node& node = map.nodes()[static_cast<size_t>(r.node)];
    std::string_view host = "";
    int64_t port = 0;
    if (!splitAddress(node.respAddress, &host, &port)) host = "";
    reply.arrayHeader(3);
    reply.integer(r.first);
    reply.integer(r.last);
    reply.arrayHeader(3);
    reply.bulk(host);
    reply.integer(port);
    reply.bulk(node.id);
  }
}

void shards(RespCall& call, const SlotMap& map) {
  const std::vector<SlotMap::Range> ranges = map.ranges();
  RespReply& reply = call.reply();
  reply.arrayHeader(map.nodes().size());
  for (size_t n = 0; n < map.nodes().size(); ++n) {
    const SlotMap::Node& node = map.nodes()[n];
    size_t count = 0;
    for (const SlotMap::Range& r : ranges) count += r.node == static_cast<int>(n) ? 1 : 0;
    std::string_view host = "";
    int64_t port = 0;
    if (!splitAddress(node.respAddress, &host, &port)) host = "";
    reply.arrayHeader(4);
    reply.bulk("slots");
    reply.arrayHeader(count * 2);
    for (const SlotMap::Range& r : ranges) {
      if (r.node != static_cast<int>(n)) continue;
      reply.integer(r.first);
      reply.integer(r.last);
    }
    reply.bulk("nodes");
    reply.arrayHeader(1);
    reply.arrayHeader(10);
    reply.bulk("id");
    reply.bulk(node.id);
    reply.bulk("port");
    reply.integer(port);
    reply.bulk("ip");
    reply.bulk(host);
    reply.bulk("role");
    reply.bulk("master");
    reply.bulk("health");
    reply.bulk("online");
  }
}

// CLUSTER NODES: Redis's line per node; we have no replicas, gossip or
// failover, so the flags, pings and link state are constants.
std::string nodes(const SlotMap& map, std::string_view self) {
  const std::vector<SlotMap::Range> ranges = map.ranges();
  std::string out;
  for (size_t n = 0; n < map.nodes().size(); ++n) {
    const SlotMap::Node& node = map.nodes()[n];
    absl::StrAppend(&out, node.id, " ", node.respAddress.empty() ? ":0" : node.respAddress, "@0 ",
                    node.id == self ? "myself,master" : "master", " - 0 0 ", map.epoch(),
                    " connected");
    for (const SlotMap::Range& r : ranges) {
      if (r.node != static_cast<int>(n)) continue;
      if (r.first == r.last) {
        absl::StrAppend(&out, " ", r.first);
      } else {
        absl::StrAppend(&out, " ", r.first, "-", r.last);
      }
    }
    out += "\n";
  }
  return out;
}

void clusterCommand(RespCall& call) {
  const ClusterState* state = call.server().options().cluster;
  const std::string_view sub = call.arg(1);
  if (equalsIgnoreCase(sub, "keyslot")) {
    // Answered in and out of cluster mode, as Redis answers it.
    if (call.argc() != 3) {
      call.reply().error("ERR wrong number of arguments for 'cluster|keyslot' command");
      return;
    }
    call.reply().integer(cluster::keySlot(call.arg(2)));
    return;
  }
  if (state == nullptr) {
    call.reply().error("ERR This instance has cluster support disabled");
    return;
  }
  const std::shared_ptr<const SlotMap> map = state->map();
  if (equalsIgnoreCase(sub, "slots")) {
    slots(call, *map);
  } else if (equalsIgnoreCase(sub, "shards")) {
    shards(call, *map);
  } else if (equalsIgnoreCase(sub, "nodes")) {
    call.reply().bulk(nodes(*map, state->selfId()));
  } else if (equalsIgnoreCase(sub, "myid")) {
    call.reply().bulk(state->selfId());
  } else if (equalsIgnoreCase(sub, "info")) {
    int assigned = 0;
    for (int s = 0; s < cluster::kSlotCount; ++s) assigned += map->owner(s) != nullptr ? 1 : 0;
    call.reply().bulk(absl::StrCat(
        "cluster_enabled:1\r\ncluster_state:", assigned == cluster::kSlotCount ? "ok" : "fail",
        "\r\ncluster_slots_assigned:", assigned, "\r\ncluster_slots_ok:", assigned,
        "\r\ncluster_known_nodes:", map->nodes().size(), "\r\ncluster_size:", map->nodes().size(),
        "\r\ncluster_current_epoch:", map->epoch(), "\r\ncluster_my_epoch:", map->epoch(), "\r\n"));
  } else if (equalsIgnoreCase(sub, "countkeysinslot") || equalsIgnoreCase(sub, "getkeysinslot")) {
    call.reply().error("ERR not supported: use kv_admin to inspect and move slots");
  } else {
    call.reply().error(absl::StrCat("ERR unknown subcommand '", std::string(sub),
                                    "'. Try CLUSTER KEYSLOT, SLOTS, SHARDS, NODES, INFO, MYID."));
  }
}

}  // namespace

void commandKeys(const RespCommand& command, std::span<const std::string_view> args,
                 std::vector<std::string_view>* keys) {
  if (command.firstKey <= 0) return;
  const int argc = static_cast<int>(args.size());
  const int last = command.lastKey < 0 ? argc + command.lastKey : command.lastKey;
  const int step = command.keyStep > 0 ? command.keyStep : 1;
  for (int i = command.firstKey; i <= last && i < argc; i += step) {
    keys->push_back(args[static_cast<size_t>(i)]);
  }
}

std::string respClusterRefusal(const ClusterState& state, std::span<const std::string_view> keys,
                               bool write) {
  if (keys.empty()) return "";
  return ClusterState::respError(state.admit(keys, write, ClusterState::Protocol::kResp));
}

std::vector<RespCommand> respClusterCommands() {
  return {
      {"cluster", -2, Flag::kLoading | Flag::kStale, clusterCommand, 0, 0, 0, "cluster",
       "A container for Redis Cluster commands"},
  };
}

}  // namespace muduo::kv
