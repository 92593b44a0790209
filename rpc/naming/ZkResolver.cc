#include "rpc/naming/ZkResolver.h"

#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <vector>

#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"
#include "rpc/naming/EndpointFormat.h"
#include "rpc/naming/UrlOption.h"

namespace muduo::rpc::naming {
namespace {

absl::Status checkZnodePath(std::string_view path) {
  if (path.size() < 2 || path[0] != '/' || path.back() == '/') {
    return absl::InvalidArgumentError("path \"" + std::string(path) +
                                      "\" must be absolute, not the root, without a trailing '/'");
  }
  for (size_t start = 1; start <= path.size();) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view part = path.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..") {
      return absl::InvalidArgumentError("path \"" + std::string(path) +
                                        "\" has an empty, \".\" or \"..\" component");
    }
    start = slash + 1;
  }
  return absl::OkStatus();
}

std::string describe(const EndpointList& endpoints) {
  std::string text;
  size_t shown = 0;
  for (const Endpoint& endpoint : endpoints) {
    if (shown++ == 16) {
      text += " ... (" + std::to_string(endpoints.size()) + " in all)";
      break;
    }
    if (!text.empty()) text += ' ';
    text += endpoint.address.toIpPort();
    if (endpoint.weight != 1) text += "/w" + std::to_string(endpoint.weight);
  }
  return text.empty() ? "(none)" : text;
}

}  // namespace

absl::StatusOr<ZkUrl> parseZkUrl(std::string_view spec) {
  ZkUrl url;
  const size_t slash = spec.find('/');
  if (slash == std::string_view::npos) {
    return absl::InvalidArgumentError("want zk://host:port[,host:port...]/path");
  }
  url.connectString = std::string(spec.substr(0, slash));
  std::string_view rest = spec.substr(slash);
  const size_t question = rest.find('?');
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : rest.substr(question + 1);
  url.path = std::string(rest.substr(0, question));
  if (absl::Status status = checkZnodePath(url.path); !status.ok()) return status;
  if (question != std::string_view::npos) {
    absl::StatusOr<int64_t> ms = parseUrlOption(query, "session_timeout_ms", 100, 600000);
    if (!ms.ok()) return ms.status();
    url.options.sessionTimeout = std::chrono::milliseconds(*ms);
  }
  // Here, so that a bad URL fails at makeResolver(), not at start().
  if (absl::Status status = ZkSession::checkConnectString(url.connectString); !status.ok()) {
    return status;
  }
  return url;
}

// Shared between the resolver (the user's loop) and the callbacks it gives
// the session (the ZooKeeper loop), which hold it weakly.
struct ZkResolver::State : std::enable_shared_from_this<State> {
  // Set in start(), before anything runs in another thread.
  std::string name;  // "zk://..." for the logs
  std::string path;
  std::shared_ptr<ZkSession> session;
  net::EventLoop* loop = nullptr;
  std::chrono::milliseconds firstListTimeout{0};

  // The user's loop only.
  Listener listener;
  // Set in the user's loop; read in both.
  std::atomic<bool> stopped{false};

  // The ZooKeeper loop only.
  uint64_t listenerId = 0;
  uint64_t watchId = 0;
  uint64_t epoch = 0;  // the latest re-read; answers to older ones are dropped
  std::optional<EndpointList> last;
  bool errorPushed = false;
  bool outageLogged = false;
  std::map<std::string, std::string> warnedBad;  // child -> the bad data warned about

  void begin();
  void end();
  void onSessionEvent(ZkSession::Event event);
  void relist();
  void onChildren(uint64_t epoch, int rc, std::vector<std::string> children);
  void publish(EndpointList endpoints);
  void push(absl::StatusOr<EndpointList> result);
};

void ZkResolver::State::begin() {
  std::weak_ptr<State> weak = weak_from_this();
  listenerId = session->addSessionListener([weak](ZkSession::Event event) {
    if (std::shared_ptr<State> self = weak.lock()) self->onSessionEvent(event);
  });
  watchId = session->addWatch(path, [weak](int, const std::string&) {
    if (std::shared_ptr<State> self = weak.lock()) self->relist();
  });
  relist();
  ZkSession::loop()->runAfter(firstListTimeout, [weak] {
    std::shared_ptr<State> self = weak.lock();
    if (self && !self->last && !self->errorPushed) {
      self->errorPushed = true;
      LOG_WARN << self->name << ": no answer from ZooKeeper yet; still trying";
      self->push(absl::UnavailableError(self->name + ": ZooKeeper unreachable (nothing within " +
                                        std::to_string(self->firstListTimeout.count()) + " ms)"));
    }
  });
}

void ZkResolver::State::end() {
  session->removeSessionListener(listenerId);
  session->removeWatch(watchId);
  ++epoch;  // drop answers in flight
}

void ZkResolver::State::onSessionEvent(ZkSession::Event event) {
  if (stopped) return;
  if (event == ZkSession::Event::kConnected) {
    if (outageLogged) {
      LOG_INFO << name << ": ZooKeeper reachable again; re-reading";
      outageLogged = false;
    }
    relist();  // a new session has no watches; an old one may have missed a change
    return;
  }
  if (outageLogged) return;
  outageLogged = true;
  if (last) {
    LOG_WARN << name << ": ZooKeeper unreachable; keeping the last list of " << last->size()
             << " endpoint(s): " << describe(*last);
  } else {
    LOG_WARN << name << ": ZooKeeper unreachable; no list yet";
  }
}

void ZkResolver::State::relist() {
  if (stopped) return;
  const uint64_t current = ++epoch;
  std::weak_ptr<State> weak = weak_from_this();
  session->getChildren(path, true, [weak, current](int rc, std::vector<std::string> children) {
    if (std::shared_ptr<State> self = weak.lock()) {
      self->onChildren(current, rc, std::move(children));
    }
  });
}

void ZkResolver::State::onChildren(uint64_t current, int rc, std::vector<std::string> children) {
  if (current != epoch || stopped) return;
  std::weak_ptr<State> weak = weak_from_this();
  if (rc == ZNONODE) {
    // Not registered yet. Watch for the path to appear; it may have appeared
    // between the two requests, so look again if it has.
    session->exists(path, true, [weak, current](int existsRc) {
      std::shared_ptr<State> self = weak.lock();
      if (self && current == self->epoch && existsRc == ZOK) self->relist();
    });
    publish({});
    return;
  }
  if (rc != ZOK) {
    // The session listener logs the outage and re-reads on reconnect.
    LOG_DEBUG << name << ": listing failed: " << zerror(rc);
    return;
  }
  std::sort(children.begin(), children.end());
  if (children.empty()) {
    publish({});
    return;
  }
  struct Gather {
    std::vector<std::optional<Endpoint>> slots;
    size_t pending = 0;
    bool failed = false;
  };
  auto gather = std::make_shared<Gather>();
  gather->slots.resize(children.size());
  gather->pending = children.size();
  for (size_t i = 0; i < children.size(); ++i) {
    session->getData(path + "/" + children[i], true,
                     [weak, current, gather, i, child = children[i]](int dataRc, std::string data) {
                       std::shared_ptr<State> self = weak.lock();
                       if (!self || current != self->epoch) return;
                       if (dataRc == ZOK) {
                         absl::StatusOr<Endpoint> endpoint = parseEndpoint(data);
                         if (endpoint.ok()) {
                           gather->slots[i] = std::move(*endpoint);
                           self->warnedBad.erase(child);
                         } else if (auto it = self->warnedBad.find(child);
                                    it == self->warnedBad.end() || it->second != data) {
                           LOG_WARN
                               << self->name << ": skipping " << self->path << "/" << child
                               << ", its data is not an endpoint: " << endpoint.status().ToString();
                           self->warnedBad[child] = data;
                         }
                       } else if (dataRc != ZNONODE) {  // ZNONODE: gone since the listing
                         gather->failed = true;
                       }
                       if (--gather->pending == 0 && !gather->failed) {
                         EndpointList endpoints;
                         for (std::optional<Endpoint>& slot : gather->slots) {
                           if (slot) endpoints.push_back(std::move(*slot));
                         }
                         self->publish(std::move(endpoints));
                       }
                     });
  }
}

void ZkResolver::State::publish(EndpointList endpoints) {
  if (last && *last == endpoints) return;
  LOG_INFO << name << ": " << endpoints.size() << " endpoint(s): " << describe(endpoints);
  last = endpoints;
  push(std::move(endpoints));
}

void ZkResolver::State::push(absl::StatusOr<EndpointList> result) {
  loop->queueInLoop([weak = weak_from_this(), result = std::move(result)] {
    std::shared_ptr<State> self = weak.lock();
    if (self && !self->stopped) self->listener(result);
  });
}

ZkResolver::ZkResolver(ZkUrl url) : url_(std::move(url)), state_(std::make_shared<State>()) {}

ZkResolver::~ZkResolver() { stop(); }

absl::StatusOr<std::unique_ptr<ZkResolver>> ZkResolver::parse(std::string_view spec) {
  absl::StatusOr<ZkUrl> url = parseZkUrl(spec);
  if (!url.ok()) return url.status();
  return std::make_unique<ZkResolver>(std::move(*url));
}

void ZkResolver::start(net::EventLoop* loop, Listener listener) {
  state_->name = "zk://" + url_.connectString + url_.path;
  state_->path = url_.path;
  state_->loop = loop;
  state_->listener = std::move(listener);
  absl::StatusOr<std::shared_ptr<ZkSession>> session =
      ZkSession::get(url_.connectString, url_.options);
  if (!session.ok()) {
    state_->push(session.status());
    return;
  }
  state_->session = std::move(*session);
  state_->firstListTimeout = state_->session->options().sessionTimeout;
  ZkSession::loop()->queueInLoop([state = state_] { state->begin(); });
}

void ZkResolver::stop() {
  if (state_->stopped.exchange(true) || state_->session == nullptr) return;
  ZkSession::loop()->queueInLoop([state = state_] { state->end(); });
}

}  // namespace muduo::rpc::naming
