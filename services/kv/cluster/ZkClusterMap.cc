#include "services/kv/cluster/ZkClusterMap.h"

#include <zookeeper/zookeeper.h>

#include <future>

#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"
#include "rpc/naming/ZkSession.h"
#include "services/kv/cluster/ClusterState.h"

namespace muduo::kv::cluster {

using rpc::naming::ZkSession;

absl::StatusOr<ZkLocation> ZkLocation::parse(const std::string& text) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= text.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", text, "' is not HOST:PORT[,HOST:PORT...]/ROOT (e.g. 127.0.0.1:2181/kv/prod)"));
  }
  ZkLocation location;
  location.connectString = text.substr(0, slash);
  location.root = text.substr(slash);
  while (location.root.size() > 1 && location.root.back() == '/') location.root.pop_back();
  return location;
}

// What the session's callbacks hold: they may run after stop() began, so
// they check `stopped` and never touch a dead ZkClusterMap.
struct ZkClusterMap::Shared : std::enable_shared_from_this<Shared> {
  ZkLocation location;
  MapListener listener;
  std::string nodeId;  // empty: a client, which does not register
  std::string registration;
  uint64_t epoch = 0;  // of the last map given to the listener
  std::shared_ptr<ZkSession> session;
  uint64_t listenerId = 0;
  uint64_t watchId = 0;
  std::atomic<bool> stopped{false};

  // ZooKeeper loop. Reads the map and arms the watch for its next change
  // (or, while it does not exist, for its creation).
  void readMap() {
    if (stopped.load()) return;
    std::weak_ptr<Shared> weak = weak_from_this();
    session->getData(location.slotsPath(), true, [weak](int rc, std::string data) {
      auto self = weak.lock();
      if (self == nullptr || self->stopped.load()) return;
      if (rc == ZNONODE) {
        LOG_INFO << "cluster: no slot map at " << self->location.slotsPath()
                 << " yet (kv_admin init writes it); watching for it";
        self->session->exists(self->location.slotsPath(), true, [](int) {});
        return;
      }
      if (rc != ZOK) {
        LOG_WARN << "cluster: reading " << self->location.slotsPath() << " failed (rc " << rc
                 << "); keeping the last map, epoch " << self->epoch;
        return;
      }
      absl::StatusOr<SlotMap> map = SlotMap::parse(data);
      if (!map.ok()) {
        LOG_ERROR << "cluster: the map at " << self->location.slotsPath()
                  << " does not parse, kept the last one: " << map.status().ToString();
        return;
      }
      if (map->epoch() == self->epoch) return;
      self->epoch = map->epoch();
      self->listener(std::move(*map));
    });
  }

  // ZooKeeper loop. (Re)creates this node's ephemeral znode, first the
  // persistent parents.
  void registerNode() {
    if (stopped.load() || nodeId.empty()) return;
    std::vector<std::string> parents;
    for (size_t at = location.root.find('/', 1); at != std::string::npos;
         at = location.root.find('/', at + 1)) {
      parents.push_back(location.root.substr(0, at));
    }
    parents.push_back(location.root);
    parents.push_back(location.nodesPath());
    for (const std::string& path : parents) {
      session->create(path, "", ZOO_PERSISTENT, [](int, std::string) {});
    }
    const std::string path = absl::StrCat(location.nodesPath(), "/", nodeId);
    std::weak_ptr<Shared> weak = weak_from_this();
    // A node left by this server's previous session (a restart faster than
    // the session timeout) is ours: replace it.
    session->remove(path, [weak, path](int) {
      auto self = weak.lock();
      if (self == nullptr || self->stopped.load()) return;
      self->session->create(path, self->registration, ZOO_EPHEMERAL, [path](int rc, std::string) {
        if (rc == ZOK) {
          LOG_INFO << "cluster: registered as " << path;
        } else {
          LOG_WARN << "cluster: registering " << path << " failed (rc " << rc << ")";
        }
      });
    });
  }
};

ZkClusterMap::ZkClusterMap(ZkLocation location, ClusterState* cluster, std::string registration)
    : ZkClusterMap(std::move(location), [cluster](SlotMap map) {
        if (absl::Status s = cluster->setMap(std::move(map)); !s.ok()) {
          LOG_WARN << "cluster: map from ZooKeeper not installed: " << s.ToString();
        }
      }) {
  shared_->nodeId = cluster->selfId();
  shared_->registration = std::move(registration);
}

ZkClusterMap::ZkClusterMap(ZkLocation location, MapListener listener)
    : location_(std::move(location)), shared_(std::make_shared<Shared>()) {
  shared_->location = location_;
  shared_->listener = std::move(listener);
}

ZkClusterMap::~ZkClusterMap() { stop(); }

absl::Status ZkClusterMap::start() {
  absl::StatusOr<std::shared_ptr<ZkSession>> session = ZkSession::get(location_.connectString);
  if (!session.ok()) return session.status();
  shared_->session = *session;
  std::weak_ptr<Shared> weak = shared_;
  shared_->watchId =
      shared_->session->addWatch(location_.slotsPath(), [weak](int type, const std::string& path) {
        auto self = weak.lock();
        if (self == nullptr || path != self->location.slotsPath()) return;
        if (type == ZOO_CHANGED_EVENT || type == ZOO_CREATED_EVENT) self->readMap();
      });
  shared_->listenerId = shared_->session->addSessionListener([weak](ZkSession::Event event) {
    auto self = weak.lock();
    if (self == nullptr) return;
    if (event == ZkSession::Event::kConnected) {
      // First connect, a reconnect, or a new session: read again rather
      // than guess what was missed; a new session lost our node.
      self->registerNode();
      self->readMap();
    } else if (event == ZkSession::Event::kDisconnected) {
      LOG_WARN << "cluster: ZooKeeper unreachable; keeping slot map epoch " << self->epoch
               << " until it is back";
    }
  });
  // Already connected (a shared session): the listener will not hear it.
  ZkSession::loop()->queueInLoop([weak] {
    auto self = weak.lock();
    if (self != nullptr && self->session->connected()) {
      self->registerNode();
      self->readMap();
    }
  });
  return absl::OkStatus();
}

void ZkClusterMap::stop() {
  if (shared_->stopped.exchange(true) || shared_->session == nullptr) return;
  shared_->session->removeWatch(shared_->watchId);
  shared_->session->removeSessionListener(shared_->listenerId);
  // Deregister now rather than when the session goes (it may be shared).
  if (!shared_->nodeId.empty()) {
    shared_->session->remove(absl::StrCat(location_.nodesPath(), "/", shared_->nodeId), [](int) {});
  }
  // A callback already running in the ZooKeeper loop finishes before this
  // returns; later ones see `stopped`.
  std::promise<void> drained;
  ZkSession::loop()->runInLoop([&drained] { drained.set_value(); });
  drained.get_future().wait();
}

}  // namespace muduo::kv::cluster
