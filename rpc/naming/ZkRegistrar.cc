#include "rpc/naming/ZkRegistrar.h"

#include <zookeeper/zookeeper.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <random>

#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"
#include "rpc/naming/EndpointFormat.h"
#include "rpc/naming/ZkResolver.h"

namespace muduo::rpc::naming {
namespace {

std::string randomToken() {
  std::random_device device;
  const uint64_t value = (static_cast<uint64_t>(device()) << 32) ^ device();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
  return buf;
}

bool connectionTrouble(int rc) {
  return rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT || rc == ZSESSIONEXPIRED ||
         rc == ZCLOSING || rc == ZINVALIDSTATE || rc == ZSESSIONMOVED;
}

}  // namespace

struct ZkRegistrar::State : std::enable_shared_from_this<State> {
  enum class Phase { kIdle, kCreating, kRegistered, kDone };

  // Fixed at construction.
  std::shared_ptr<ZkSession> session;
  std::string name;  // "zk://.../path" for the logs
  std::string servicePath;
  std::string childPrefix;  // "endpoint-<token>-"
  std::string data;
  std::string address;  // for the logs

  // The ZooKeeper loop only.
  Phase phase = Phase::kIdle;
  uint64_t attempt = 0;  // answers to older attempts are dropped
  int64_t nodeSession = 0;
  uint64_t listenerId = 0;
  uint64_t watchId = 0;

  // Written in the ZooKeeper loop, read anywhere.
  mutable std::mutex mutex;
  std::string nodePath;  // guarded by mutex
  std::atomic<int> registrations{0};

  void begin();
  void onSessionEvent(ZkSession::Event event);
  void registerNode();
  // Our node `path` is gone while we still count on it: register again.
  void onNodeGone(const std::string& path);
  void createParents(size_t from, uint64_t current);
  void createNode(uint64_t current);
  void onCreated(uint64_t current, int rc, std::string path);
  void setNodePath(std::string path) {
    std::lock_guard<std::mutex> lock(mutex);
    nodePath = std::move(path);
  }
  std::string currentNodePath() const {
    std::lock_guard<std::mutex> lock(mutex);
    return nodePath;
  }
  void finish(absl::AnyInvocable<void(int rc)> done);
  void retryLater();
};

void ZkRegistrar::State::retryLater() {
  phase = Phase::kIdle;
  // Normally the next kConnected retries; if the session is connected
  // already (the failure raced the reconnect), nothing would.
  if (!session->connected()) return;
  ZkSession::loop()->runAfter(std::chrono::milliseconds(500), [weak = weak_from_this()] {
    std::shared_ptr<State> self = weak.lock();
    if (self && self->phase == Phase::kIdle) self->registerNode();
  });
}

void ZkRegistrar::State::begin() {
  std::weak_ptr<State> weak = weak_from_this();
  listenerId = session->addSessionListener([weak](ZkSession::Event event) {
    if (std::shared_ptr<State> self = weak.lock()) self->onSessionEvent(event);
  });
  // Someone deleting the node (an operator, a test) is a change among the
  // path's children; the exists() watch set after each registration fires.
  watchId = session->addWatch(servicePath, [weak](int type, const std::string& path) {
    std::shared_ptr<State> self = weak.lock();
    if (self && type == ZOO_DELETED_EVENT) self->onNodeGone(path);
  });
  registerNode();
}

void ZkRegistrar::State::onSessionEvent(ZkSession::Event event) {
  if (phase == Phase::kDone) return;
  if (event == ZkSession::Event::kExpired && phase == Phase::kRegistered) {
    // The node went with the session.
    phase = Phase::kIdle;
    setNodePath("");
  } else if (event == ZkSession::Event::kConnected) {
    if (phase == Phase::kIdle ||
        (phase == Phase::kRegistered && nodeSession != session->sessionId())) {
      registerNode();
    }
  }
}

void ZkRegistrar::State::registerNode() {
  phase = Phase::kCreating;
  const uint64_t current = ++attempt;
  std::weak_ptr<State> weak = weak_from_this();
  // An earlier create may have succeeded without our hearing of it; adopt
  // that node rather than make a second one.
  session->getChildren(servicePath, false,
                       [weak, current](int rc, std::vector<std::string> children) {
                         std::shared_ptr<State> self = weak.lock();
                         if (!self || current != self->attempt) return;
                         if (rc == ZNONODE) {
                           self->createParents(1, current);
                           return;
                         }
                         if (rc != ZOK) {
                           self->retryLater();
                           return;
                         }
                         for (const std::string& child : children) {
                           if (child.starts_with(self->childPrefix)) {
                             self->onCreated(current, ZOK, self->servicePath + "/" + child);
                             return;
                           }
                         }
                         self->createNode(current);
                       });
}

void ZkRegistrar::State::createParents(size_t from, uint64_t current) {
  // One component at a time, "/a", "/a/b", ...; an existing one is fine.
  const size_t slash = servicePath.find('/', from);
  const std::string prefix = servicePath.substr(0, slash);
  std::weak_ptr<State> weak = weak_from_this();
  session->create(prefix, "", ZOO_PERSISTENT, [weak, current, slash](int rc, std::string) {
    std::shared_ptr<State> self = weak.lock();
    if (!self || current != self->attempt) return;
    if (rc != ZOK && rc != ZNODEEXISTS) {
      if (!connectionTrouble(rc)) {
        LOG_ERROR << self->name << ": cannot create the service path: " << zerror(rc);
      }
      self->retryLater();
      return;
    }
    if (slash == std::string::npos) {
      self->createNode(current);
    } else {
      self->createParents(slash + 1, current);
    }
  });
}

void ZkRegistrar::State::createNode(uint64_t current) {
  std::weak_ptr<State> weak = weak_from_this();
  session->create(servicePath + "/" + childPrefix, data, ZOO_EPHEMERAL_SEQUENTIAL,
                  [weak, current](int rc, std::string path) {
                    if (std::shared_ptr<State> self = weak.lock()) {
                      self->onCreated(current, rc, std::move(path));
                    }
                  });
}

void ZkRegistrar::State::onCreated(uint64_t current, int rc, std::string path) {
  if (rc == ZOK && phase == Phase::kDone) {
    // Deregistered while the create was in flight: undo it.
    session->remove(path, [](int) {});
    return;
  }
  if (current != attempt) return;
  if (rc == ZNONODE) {  // the parent went away meanwhile
    createParents(1, current);
    return;
  }
  if (rc != ZOK) {
    if (!connectionTrouble(rc)) {
      LOG_ERROR << name << ": cannot register: " << zerror(rc) << "; retrying";
    }
    retryLater();
    return;
  }
  phase = Phase::kRegistered;
  nodeSession = session->sessionId();
  ++registrations;
  LOG_INFO << name << ": registered " << address << " as " << path;
  setNodePath(path);
  // Arms the deletion watch. A node deleted before the exists() arrives
  // leaves a watch that waits for a creation instead, so ZNONODE here is
  // the deletion itself.
  session->exists(path, true, [weak = weak_from_this(), path](int rc) {
    std::shared_ptr<State> self = weak.lock();
    if (self && rc == ZNONODE) self->onNodeGone(path);
  });
}

void ZkRegistrar::State::onNodeGone(const std::string& path) {
  if (phase != Phase::kRegistered || path != currentNodePath()) return;
  LOG_WARN << name << ": " << path << " was deleted; registering again";
  setNodePath("");
  registerNode();
}

void ZkRegistrar::State::finish(absl::AnyInvocable<void(int rc)> done) {
  phase = Phase::kDone;
  ++attempt;
  session->removeSessionListener(listenerId);
  session->removeWatch(watchId);
  const std::string path = currentNodePath();
  setNodePath("");
  if (path.empty()) {
    done(ZNONODE);
    return;
  }
  session->remove(path, std::move(done));
}

absl::StatusOr<std::unique_ptr<ZkRegistrar>> ZkRegistrar::create(std::string_view url,
                                                                 const Endpoint& endpoint) {
  constexpr std::string_view kZk = "zk://";
  if (!url.starts_with(kZk)) {
    return absl::InvalidArgumentError("registration wants a zk:// URL, not \"" + std::string(url) +
                                      "\"");
  }
  absl::StatusOr<ZkUrl> parsed = parseZkUrl(url.substr(kZk.size()));
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(std::string(url) + ": " +
                                      std::string(parsed.status().message()));
  }
  absl::StatusOr<std::string> data = encodeEndpoint(endpoint);
  if (!data.ok()) return data.status();
  absl::StatusOr<std::shared_ptr<ZkSession>> session =
      ZkSession::get(parsed->connectString, parsed->options);
  if (!session.ok()) return session.status();
  auto state = std::make_shared<State>();
  state->session = std::move(*session);
  state->name = "zk://" + parsed->connectString + parsed->path;
  state->servicePath = parsed->path;
  state->childPrefix = "endpoint-" + randomToken() + "-";
  state->data = std::move(*data);
  state->address = endpoint.address.toIpPort();
  return std::unique_ptr<ZkRegistrar>(new ZkRegistrar(std::move(state)));
}

ZkRegistrar::ZkRegistrar(std::shared_ptr<State> state) : state_(std::move(state)) {}

ZkRegistrar::~ZkRegistrar() {
  ZkSession::loop()->queueInLoop([state = state_] {
    if (state->phase != State::Phase::kDone) state->finish([](int) {});
  });
}

void ZkRegistrar::start() {
  ZkSession::loop()->queueInLoop([state = state_] { state->begin(); });
}

void ZkRegistrar::deregister(net::EventLoop* loop, std::chrono::milliseconds timeout,
                             absl::AnyInvocable<void(absl::Status)> done) {
  // Whichever comes first, ZooKeeper's answer or the timeout, runs `done`.
  struct Once {
    std::atomic<bool> fired{false};
    absl::AnyInvocable<void(absl::Status)> done;
  };
  auto once = std::make_shared<Once>();
  once->done = std::move(done);
  auto fire = [loop, once](absl::Status status) {
    if (once->fired.exchange(true)) return;
    loop->queueInLoop([once, status = std::move(status)]() mutable { once->done(status); });
  };
  ZkSession::loop()->queueInLoop([state = state_, fire, timeout] {
    const std::string path = state->currentNodePath();
    ZkSession::loop()->runAfter(timeout, [fire, name = state->name, timeout] {
      fire(absl::DeadlineExceededError(name + ": ZooKeeper did not confirm the deregistration in " +
                                       std::to_string(timeout.count()) + " ms"));
    });
    state->finish([fire, name = state->name, path](int rc) {
      if (rc == ZOK || rc == ZNONODE) {
        if (!path.empty()) LOG_INFO << name << ": deregistered " << path;
        fire(absl::OkStatus());
      } else {
        fire(absl::UnavailableError(name + ": deregistration failed: " + zerror(rc)));
      }
    });
  });
}

std::string ZkRegistrar::nodePath() const { return state_->currentNodePath(); }

int ZkRegistrar::registrations() const { return state_->registrations.load(); }

const std::string& ZkRegistrar::name() const { return state_->name; }

}  // namespace muduo::rpc::naming
