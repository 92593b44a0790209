#include "rpc/naming/ZkSession.h"

#include <zookeeper/zookeeper.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>
#include <utility>

#include "muduo/base/CountDownLatch.h"
#include "muduo/base/Logging.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/HostPort.h"

namespace muduo::rpc::naming {

// What the C client hands back to the watcher: which session, and which of
// its handles (events of a closed handle still in the loop's queue are
// dropped by generation).
struct ZkSession::HandleContext {
  std::weak_ptr<ZkSession> session;
  uint64_t generation = 0;
};

namespace {
struct OpBase;
}  // namespace

// Every request the C client holds. zookeeper_close() does not run the
// completions of requests still pending (it queues them for a completion
// thread it has already stopped, and frees neither those entries nor our
// contexts), so a session waits briefly for them before closing and fails
// the rest itself afterwards.
class ZkSession::Pending {
 public:
  void add(OpBase* op) {
    std::lock_guard<std::mutex> lock(mutex_);
    ops_.insert(op);
  }
  // The C client's threads (a completion) or the loop (a refused request).
  void remove(OpBase* op) {
    std::lock_guard<std::mutex> lock(mutex_);
    ops_.erase(op);
    if (ops_.empty()) drained_.notify_all();
  }
  // Whether none is pending within `timeout`.
  bool waitDrained(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return drained_.wait_for(lock, timeout, [this] { return ops_.empty(); });
  }
  // After zookeeper_close(): what it left, which no client thread can touch
  // any more.
  std::set<OpBase*> takeAll() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(ops_, {});
  }

 private:
  std::mutex mutex_;
  std::condition_variable drained_;
  std::set<OpBase*> ops_;
};

namespace {

Mutex gRegistryMutex;
std::map<std::string, std::weak_ptr<ZkSession>>& registry()
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(gRegistryMutex) {
  static auto* sessions = new std::map<std::string, std::weak_ptr<ZkSession>>;
  return *sessions;
}

std::string hex(int64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(id));
  return buf;
}

long long millisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

// Completion contexts: the caller's callback, owned by the C client from a
// request until its completion, which posts it into the ZooKeeper loop.
struct OpBase {
  explicit OpBase(std::shared_ptr<ZkSession::Pending> p) : pending(std::move(p)) {}
  virtual ~OpBase() = default;
  // Posts the callback with `rc` and no result, and deletes this.
  virtual void failLater(int rc) = 0;
  std::shared_ptr<ZkSession::Pending> pending;
};

template <typename Callback, typename... Empty>
struct Op final : OpBase {
  Op(std::shared_ptr<ZkSession::Pending> p, Callback cb)
      : OpBase(std::move(p)), done(std::move(cb)) {}
  void failLater(int rc) override {
    ZkSession::loop()->queueInLoop(
        [self = std::unique_ptr<Op>(this), rc]() mutable { self->done(rc, Empty()...); });
  }
  Callback done;
};

using ChildrenOp = Op<ZkSession::ChildrenCallback, std::vector<std::string>>;
using DataOp = Op<ZkSession::DataCallback, std::string>;
using DoneOp = Op<ZkSession::DoneCallback>;
using CreateOp = Op<ZkSession::CreateCallback, std::string>;

template <typename T>
std::unique_ptr<T> adopt(const void* data) {
  std::unique_ptr<T> op(static_cast<T*>(const_cast<void*>(data)));
  op->pending->remove(op.get());
  return op;
}

void childrenCompletion(int rc, const String_vector* strings, const void* data) {
  auto op = adopt<ChildrenOp>(data);
  std::vector<std::string> children;
  if (rc == ZOK && strings != nullptr) {
    children.reserve(static_cast<size_t>(strings->count));
    for (int i = 0; i < strings->count; ++i) children.emplace_back(strings->data[i]);
  }
  ZkSession::loop()->queueInLoop(
      [op = std::move(op), rc, children = std::move(children)]() mutable {
        op->done(rc, std::move(children));
      });
}

void dataCompletion(int rc, const char* value, int length, const Stat*, const void* data) {
  auto op = adopt<DataOp>(data);
  std::string bytes;
  if (rc == ZOK && value != nullptr && length > 0) bytes.assign(value, static_cast<size_t>(length));
  ZkSession::loop()->queueInLoop([op = std::move(op), rc, bytes = std::move(bytes)]() mutable {
    op->done(rc, std::move(bytes));
  });
}

void statCompletion(int rc, const Stat*, const void* data) {
  auto op = adopt<DoneOp>(data);
  ZkSession::loop()->queueInLoop([op = std::move(op), rc]() mutable { op->done(rc); });
}

void voidCompletion(int rc, const void* data) {
  auto op = adopt<DoneOp>(data);
  ZkSession::loop()->queueInLoop([op = std::move(op), rc]() mutable { op->done(rc); });
}

void stringCompletion(int rc, const char* value, const void* data) {
  auto op = adopt<CreateOp>(data);
  std::string path = rc == ZOK && value != nullptr ? value : "";
  ZkSession::loop()->queueInLoop([op = std::move(op), rc, path = std::move(path)]() mutable {
    op->done(rc, std::move(path));
  });
}

void authCompletion(int rc, const void*) {
  if (rc != ZOK) LOG_ERROR << "ZooKeeper refused the credentials: " << zerror(rc);
}

// Hands ownership of `op` to the C client if `rc` says it took the request;
// otherwise fails the request here (already in the ZooKeeper loop, in a
// task of its own, so not re-entrantly).
template <typename T>
void settle(int rc, std::unique_ptr<T>& op) {
  if (rc == ZOK) {
    (void)op.release();
  } else {
    op->pending->remove(op.get());
    op.release()->failLater(rc);
  }
}

}  // namespace

absl::Status ZkSession::checkConnectString(const std::string& connectString) {
  if (connectString.empty()) return absl::InvalidArgumentError("empty ZooKeeper connect string");
  std::string_view rest = connectString;
  while (true) {
    const size_t comma = rest.find(',');
    const std::string_view entry = rest.substr(0, comma);
    if (!net::HostPort::parse(entry).ok()) {
      return absl::InvalidArgumentError("bad ZooKeeper server \"" + std::string(entry) +
                                        "\" in \"" + connectString + "\" (want host:port)");
    }
    if (comma == std::string_view::npos) return absl::OkStatus();
    rest.remove_prefix(comma + 1);
  }
}

net::EventLoop* ZkSession::loop() {
  // Never destroyed: sessions may be dropped (and close their handles) in
  // static destructors or at exit, and a loop that outlives them all is the
  // simplest way to keep every queued completion safe.
  static net::EventLoop* const zkLoop = [] {
    auto* thread = new net::EventLoopThread({}, "zookeeper");
    return thread->startLoop();
  }();
  return zkLoop;
}

absl::StatusOr<std::shared_ptr<ZkSession>> ZkSession::get(const std::string& connectString,
                                                          const Options& options) {
  if (absl::Status status = checkConnectString(connectString); !status.ok()) return status;
  std::shared_ptr<ZkSession> session;
  {
    MutexLock lock(&gRegistryMutex);
    std::weak_ptr<ZkSession>& entry = registry()[connectString];
    session = entry.lock();
    if (session != nullptr) return session;
    session.reset(new ZkSession(connectString, options));
    entry = session;
  }
  session->inLoop([](ZkSession* self) { self->open(); });
  return session;
}

ZkSession::ZkSession(std::string connectString, Options options)
    : connectString_(std::move(connectString)),
      options_(std::move(options)),
      pending_(std::make_shared<Pending>()) {}

template <typename T, typename Callback>
std::unique_ptr<T> ZkSession::newOp(Callback done) {
  auto op = std::make_unique<T>(pending_, std::move(done));
  pending_->add(op.get());
  return op;
}

ZkSession::~ZkSession() {
  // No loop task can run on this session now (each holds a strong
  // reference while it runs), so closing here, in any thread, is safe.
  closeHandle();
  MutexLock lock(&gRegistryMutex);
  auto it = registry().find(connectString_);
  if (it != registry().end() && it->second.expired()) registry().erase(it);
}

void ZkSession::inLoop(absl::AnyInvocable<void(ZkSession* self)> request) {
  loop()->queueInLoop(
      [self = shared_from_this(), request = std::move(request)]() mutable { request(self.get()); });
}

void ZkSession::clientLog(const char* message) {
  // The C client logs every failed connection attempt; our own code logs
  // each outage once, so the client's lines are for debugging only.
  LOG_DEBUG << "zookeeper client: " << message;
}

void ZkSession::watcher(zhandle_t*, int type, int state, const char* path, void* context) {
  const auto* handle = static_cast<const HandleContext*>(context);
  loop()->queueInLoop([session = handle->session, generation = handle->generation, type, state,
                       path = std::string(path != nullptr ? path : "")] {
    if (std::shared_ptr<ZkSession> self = session.lock()) {
      self->onWatcherEvent(generation, type, state, path);
    }
  });
}

void ZkSession::open() {
  loop()->assertInLoopThread();
  context_ = std::make_unique<HandleContext>();
  context_->session = weak_from_this();
  context_->generation = ++generation_;
  // Process-wide. Off unless we log at DEBUG: our own lines say what
  // matters once per event, and the 3.8 client formats addresses for its
  // log lines in a static buffer shared by every handle's threads (a data
  // race ThreadSanitizer reports as soon as two handles log at once).
  zoo_set_debug_level(Logger::enabled(LogLevel::kDebug) ? ZOO_LOG_LEVEL_WARN
                                                        : static_cast<ZooLogLevel>(0));
  handle_ = zookeeper_init2(connectString_.c_str(), &ZkSession::watcher,
                            static_cast<int>(options_.sessionTimeout.count()), nullptr,
                            context_.get(), 0, &ZkSession::clientLog);
  if (handle_ == nullptr) {
    // A server name that does not resolve (yet): try again, as the client
    // itself would for an unreachable server.
    LOG_ERROR << "ZooKeeper " << connectString_ << ": cannot open a session: " << strerrorTl(errno)
              << "; retrying in 1 s";
    context_.reset();
    loop()->runAfter(std::chrono::seconds(1), [weak = weak_from_this()] {
      if (std::shared_ptr<ZkSession> self = weak.lock(); self && self->handle_ == nullptr) {
        self->open();
      }
    });
    return;
  }
  if (!options_.authScheme.empty()) {
    (void)zoo_add_auth(handle_, options_.authScheme.c_str(), options_.authCredential.data(),
                       static_cast<int>(options_.authCredential.size()), &authCompletion, nullptr);
  }
  // Say so if the first connection is slow to come; later outages are
  // logged when they start.
  if (!everConnected_) {
    loop()->runAfter(options_.sessionTimeout, [weak = weak_from_this()] {
      std::shared_ptr<ZkSession> self = weak.lock();
      if (self && !self->everConnected_ && self->handle_ != nullptr) {
        LOG_WARN << "ZooKeeper " << self->connectString_ << ": no connection after "
                 << self->options_.sessionTimeout.count() << " ms; still trying";
      }
    });
  }
}

void ZkSession::closeHandle() {
  if (handle_ != nullptr) {
    // Answers to requests in flight come within a round trip; wait for
    // them (never for long) so that closing does not lose them.
    if (connected_) (void)pending_->waitDrained(std::chrono::milliseconds(1000));
    // Fails what is still pending with ZCLOSING (those callbacks are posted
    // into the loop like any other) and, for a live session, ends it on the
    // server, which deletes its ephemeral nodes at once.
    zookeeper_close(handle_);
    handle_ = nullptr;
    for (OpBase* op : pending_->takeAll()) op->failLater(ZCLOSING);
  }
  context_.reset();
  connected_ = false;
}

void ZkSession::onWatcherEvent(uint64_t generation, int type, int state, const std::string& path) {
  if (generation != generation_) return;  // from a handle closed since
  if (type == ZOO_SESSION_EVENT) {
    onSessionState(state);
    return;
  }
  const size_t slash = path.rfind('/');
  const std::string parent = slash == std::string::npos ? "" : path.substr(0, slash);
  std::vector<std::shared_ptr<WatchCallback>> callbacks;
  for (const auto& [id, watch] : watches_) {
    if (watch.first == path || watch.first == parent) callbacks.push_back(watch.second);
  }
  for (const std::shared_ptr<WatchCallback>& callback : callbacks) (*callback)(type, path);
}

void ZkSession::onSessionState(int state) {
  if (state == ZOO_CONNECTED_STATE) {
    const int64_t id = zoo_client_id(handle_)->client_id;
    if (connected_ && id == sessionId_) return;
    const bool newSession = id != sessionId_;
    sessionId_ = id;
    connected_ = true;
    if (!everConnected_) {
      LOG_INFO << "ZooKeeper " << connectString_ << ": connected, session " << hex(id)
               << ", timeout " << zoo_recv_timeout(handle_) << " ms";
    } else {
      LOG_INFO << "ZooKeeper " << connectString_ << ": connected again after "
               << millisSince(outageStart_) << " ms, "
               << (newSession ? "new session " : "same session ") << hex(id);
    }
    everConnected_ = true;
    notify(Event::kConnected);
  } else if (state == ZOO_CONNECTING_STATE || state == ZOO_ASSOCIATING_STATE) {
    if (!connected_) return;
    connected_ = false;
    outageStart_ = std::chrono::steady_clock::now();
    LOG_WARN << "ZooKeeper " << connectString_ << ": connection lost; reconnecting (session "
             << hex(sessionId_) << " lasts " << zoo_recv_timeout(handle_) << " ms without one)";
    notify(Event::kDisconnected);
  } else if (state == ZOO_EXPIRED_SESSION_STATE) {
    if (connected_) outageStart_ = std::chrono::steady_clock::now();
    LOG_WARN << "ZooKeeper " << connectString_ << ": session " << hex(sessionId_)
             << " expired (its watches and ephemeral nodes are gone); opening a new one";
    connected_ = false;
    notify(Event::kExpired);
    closeHandle();
    open();
  } else if (state == ZOO_AUTH_FAILED_STATE) {
    LOG_ERROR << "ZooKeeper " << connectString_ << ": authentication failed (scheme \""
              << options_.authScheme << "\"); this session will not reconnect";
    notify(Event::kAuthFailed);
    closeHandle();
  }
}

void ZkSession::notify(Event event) {
  std::vector<std::shared_ptr<SessionListener>> listeners;
  for (const auto& [id, listener] : listeners_) listeners.push_back(listener);
  for (const std::shared_ptr<SessionListener>& listener : listeners) (*listener)(event);
}

uint64_t ZkSession::addSessionListener(SessionListener listener) {
  // Ids are handed out in the caller's thread so the caller has one at
  // once; the map itself is the loop's.
  static std::atomic<uint64_t> nextId{1};
  const uint64_t id = nextId.fetch_add(1);
  auto shared = std::make_shared<SessionListener>(std::move(listener));
  loop()->runInLoop([self = shared_from_this(), id, shared = std::move(shared)]() mutable {
    self->listeners_.emplace(id, std::move(shared));
  });
  return id;
}

void ZkSession::removeSessionListener(uint64_t id) {
  inLoopAndWait([this, id] { listeners_.erase(id); });
}

void ZkSession::inLoopAndWait(absl::AnyInvocable<void()> f) {
  if (loop()->isInLoopThread()) {
    f();
    return;
  }
  // Waiting is safe: the loop never waits for a user's thread.
  CountDownLatch latch(1);
  loop()->queueInLoop([self = shared_from_this(), &f, &latch] {
    f();
    latch.countDown();
  });
  latch.wait();
}

uint64_t ZkSession::addWatch(const std::string& path, WatchCallback callback) {
  static std::atomic<uint64_t> nextId{1};
  const uint64_t id = nextId.fetch_add(1);
  auto shared = std::make_shared<WatchCallback>(std::move(callback));
  loop()->runInLoop([self = shared_from_this(), id, path, shared = std::move(shared)]() mutable {
    self->watches_.emplace(id, std::make_pair(std::move(path), std::move(shared)));
  });
  return id;
}

void ZkSession::removeWatch(uint64_t id) {
  inLoopAndWait([this, id] { watches_.erase(id); });
}

void ZkSession::getChildren(const std::string& path, bool watch, ChildrenCallback done) {
  inLoop([path, watch, done = std::move(done)](ZkSession* self) mutable {
    auto op = self->newOp<ChildrenOp>(std::move(done));
    const int rc = self->handle_ == nullptr
                       ? ZINVALIDSTATE
                       : zoo_aget_children(self->handle_, path.c_str(), watch ? 1 : 0,
                                           &childrenCompletion, op.get());
    settle(rc, op);
  });
}

void ZkSession::getData(const std::string& path, bool watch, DataCallback done) {
  inLoop([path, watch, done = std::move(done)](ZkSession* self) mutable {
    auto op = self->newOp<DataOp>(std::move(done));
    const int rc = self->handle_ == nullptr ? ZINVALIDSTATE
                                            : zoo_aget(self->handle_, path.c_str(), watch ? 1 : 0,
                                                       &dataCompletion, op.get());
    settle(rc, op);
  });
}

void ZkSession::exists(const std::string& path, bool watch, DoneCallback done) {
  inLoop([path, watch, done = std::move(done)](ZkSession* self) mutable {
    auto op = self->newOp<DoneOp>(std::move(done));
    const int rc = self->handle_ == nullptr ? ZINVALIDSTATE
                                            : zoo_aexists(self->handle_, path.c_str(),
                                                          watch ? 1 : 0, &statCompletion, op.get());
    settle(rc, op);
  });
}

void ZkSession::create(const std::string& path, std::string data, int flags, CreateCallback done) {
  inLoop([path, data = std::move(data), flags, done = std::move(done)](ZkSession* self) mutable {
    auto op = self->newOp<CreateOp>(std::move(done));
    const int rc =
        self->handle_ == nullptr
            ? ZINVALIDSTATE
            : zoo_acreate(self->handle_, path.c_str(), data.data(), static_cast<int>(data.size()),
                          &ZOO_OPEN_ACL_UNSAFE, flags, &stringCompletion, op.get());
    settle(rc, op);
  });
}

void ZkSession::remove(const std::string& path, DoneCallback done) {
  inLoop([path, done = std::move(done)](ZkSession* self) mutable {
    auto op = self->newOp<DoneOp>(std::move(done));
    const int rc = self->handle_ == nullptr
                       ? ZINVALIDSTATE
                       : zoo_adelete(self->handle_, path.c_str(), -1, &voidCompletion, op.get());
    settle(rc, op);
  });
}

ZkSession::Credentials ZkSession::credentialsForTesting() {
  Credentials credentials;
  CountDownLatch latch(1);
  inLoop([&](ZkSession* self) {
    if (self->handle_ != nullptr && self->connected_) {
      const clientid_t* id = zoo_client_id(self->handle_);
      credentials.id = id->client_id;
      credentials.password.assign(id->passwd, sizeof id->passwd);
    }
    latch.countDown();
  });
  latch.wait();
  return credentials;
}

}  // namespace muduo::rpc::naming
