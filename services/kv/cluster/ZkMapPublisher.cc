#include "services/kv/cluster/ZkMapPublisher.h"

#include <zookeeper/zookeeper.h>

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"

namespace muduo::kv::cluster {
namespace {

// ZooKeeper's default limit on a znode's data (jute.maxbuffer).
constexpr int kMaxData = 1 << 20;

absl::Status zkError(int rc, const std::string& what) {
  const std::string message = absl::StrCat(what, ": ", zerror(rc));
  switch (rc) {
    case ZNONODE:
      return absl::NotFoundError(message);
    case ZNODEEXISTS:
      return absl::AlreadyExistsError(message);
    case ZBADVERSION:
      return absl::FailedPreconditionError(
          absl::StrCat(what, ": the map changed since it was read (another kv_admin?)"));
    default:
      return absl::UnavailableError(message);
  }
}

}  // namespace

ZkMapPublisher::ZkMapPublisher(ZkLocation location, SlotMover* mover)
    : location_(std::move(location)), mover_(mover) {}

ZkMapPublisher::~ZkMapPublisher() {
  if (handle_ != nullptr) zookeeper_close(handle_);
}

absl::Status ZkMapPublisher::connect(std::chrono::milliseconds timeout) {
  zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
  handle_ = zookeeper_init(location_.connectString.c_str(), nullptr,
                           static_cast<int>(timeout.count()), nullptr, nullptr, 0);
  if (handle_ == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot use ZooKeeper connect string '", location_.connectString, "'"));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (zoo_state(handle_) != ZOO_CONNECTED_STATE) {
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::UnavailableError(
          absl::StrCat("ZooKeeper at ", location_.connectString, " did not answer"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return absl::OkStatus();
}

absl::StatusOr<SlotMap> ZkMapPublisher::current() {
  std::string data(kMaxData, '\0');
  int length = kMaxData;
  Stat stat;
  const int rc = zoo_get(handle_, location_.slotsPath().c_str(), 0, data.data(), &length, &stat);
  if (rc != ZOK) return zkError(rc, location_.slotsPath());
  data.resize(length < 0 ? 0 : static_cast<size_t>(length));
  version_ = stat.version;
  return SlotMap::parse(data);
}

absl::Status ZkMapPublisher::publish(const SlotMap& current, const SlotMap& next) {
  const std::string data = next.serialize();
  const int rc = zoo_set(handle_, location_.slotsPath().c_str(), data.data(),
                         static_cast<int>(data.size()), version_);
  if (rc != ZOK) return zkError(rc, absl::StrCat("writing ", location_.slotsPath()));
  ++version_;
  if (mover_ == nullptr) return absl::OkStatus();
  for (size_t i = 0; i < next.nodes().size(); ++i) {
    const int before = current.findNode(next.nodes()[i].id);
    if (before >= 0 && next.slotsOf(static_cast<int>(i)) <= current.slotsOf(before)) continue;
    absl::StatusOr<KvClusterAdmin::Stub*> stub = mover_->admin(next.nodes()[i].rpcAddress);
    SetSlotMapRequest request;
    request.set_map(data);
    SetSlotMapResponse response;
    // Best effort: the watch delivers it anyway (an older-epoch refusal
    // means the watch was first).
    if (stub.ok()) (void)(*stub)->SetSlotMap(request, &response);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, std::string>> ZkMapPublisher::registeredNodes() {
  String_vector children;
  int rc = zoo_get_children(handle_, location_.nodesPath().c_str(), 0, &children);
  if (rc != ZOK) return zkError(rc, location_.nodesPath());
  std::map<std::string, std::string> out;
  for (int i = 0; i < children.count; ++i) {
    const std::string path = absl::StrCat(location_.nodesPath(), "/", children.data[i]);
    char buffer[1024];
    int length = sizeof buffer;
    Stat stat;
    if (zoo_get(handle_, path.c_str(), 0, buffer, &length, &stat) == ZOK && length > 0) {
      out[children.data[i]] = std::string(buffer, static_cast<size_t>(length));
    }
  }
  deallocate_String_vector(&children);
  return out;
}

absl::StatusOr<SlotMap> ZkMapPublisher::init(bool replace) {
  absl::StatusOr<std::map<std::string, std::string>> nodes = registeredNodes();
  if (!nodes.ok()) return nodes.status();
  if (nodes->empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no kv_server is registered under ", location_.nodesPath()));
  }
  SlotMap map;
  for (const auto& [id, registration] : *nodes) {
    const size_t space = registration.find(' ');
    std::string resp = space == std::string::npos ? "" : registration.substr(space + 1);
    if (resp == "-") resp.clear();
    map.addNode({id, registration.substr(0, space), resp});
  }
  map.assignEvenly();
  // Round trip through the text form: it checks the ids and addresses.
  absl::StatusOr<SlotMap> checked = SlotMap::parse(map.serialize());
  if (!checked.ok()) return checked.status();
  absl::StatusOr<SlotMap> old = current();
  if (old.ok() && !replace) {
    return absl::AlreadyExistsError(
        absl::StrCat(location_.slotsPath(), " already holds a map (epoch ", old->epoch(), ")"));
  }
  const std::string slots = location_.slotsPath();
  if (old.ok()) {
    map.setEpoch(old->epoch() + 1);
    const std::string data = map.serialize();
    const int rc =
        zoo_set(handle_, slots.c_str(), data.data(), static_cast<int>(data.size()), version_);
    if (rc != ZOK) return zkError(rc, slots);
    return map;
  }
  map.setEpoch(1);
  const std::string data = map.serialize();
  const int rc = zoo_create(handle_, slots.c_str(), data.data(), static_cast<int>(data.size()),
                            &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, nullptr, 0);
  if (rc != ZOK) return zkError(rc, slots);
  return map;
}

}  // namespace muduo::kv::cluster
