// ZkSession: the process's one ZooKeeper session for an ensemble (a connect
// string such as "10.0.0.1:2181,10.0.0.2:2181"), shared by every resolver and
// registrar that names it (get()). Built on the multi-threaded C client.
//
// Threads. The C client runs its own I/O and completion threads; they never
// run our callers' code. Every callback the client makes is copied and
// posted into one process-wide event loop thread, "the ZooKeeper loop"
// (loop()), and every call into the client is made from that loop. So a
// ZkSession's state, and every callback given to it, lives in that one
// thread; users (ZkResolver, ZkRegistrar) post onwards into their own loops.
//
// Failures.
//   * Connection loss: the client reconnects by itself (to any server of the
//     ensemble) and the session, its watches and its ephemeral nodes survive
//     if it is back within the session timeout. Logged once per outage
//     (WARN), and the reconnect once (INFO) with the outage's length.
//   * Session expiry (an outage longer than the session timeout, as the
//     server decides): the session's watches and ephemeral nodes are gone.
//     The dead handle is closed and a new session opened at once; users hear
//     kExpired, then kConnected with a new sessionId(), and must re-read and
//     re-arm their watches (ZkResolver) or re-create their nodes
//     (ZkRegistrar).
//   * Authentication failure: logged (ERROR); the handle is dead and no new
//     one is opened, since the same credentials would fail again. Users hear
//     kAuthFailed and keep what they had.
//
// Every user re-reads on every kConnected rather than tracking what it may
// have missed: a re-read costs a few requests, a missed change costs a wrong
// list.
//
// Thread contract: get(), and the request and listener methods, may be
// called from any thread. The callbacks they take run in the ZooKeeper loop,
// exactly once for a request (rc says how it went: ZOK, ZNONODE,
// ZCONNECTIONLOSS, ZCLOSING when the handle was closed under it, ...). The
// last reference may be dropped in any thread, the ZooKeeper loop included;
// dropping it closes the session, which deletes its ephemeral nodes.
#ifndef RPC_NAMING_ZKSESSION_H_
#define RPC_NAMING_ZKSESSION_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"

typedef struct _zhandle zhandle_t;  // NOLINT: the C client's own declaration

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::rpc::naming {

class ZkSession : public std::enable_shared_from_this<ZkSession> {
 public:
  struct Options {
    // How long the ensemble keeps the session (and so a dead server's
    // ephemeral node) after the last sign of life. The server clamps it to
    // [2, 20] ticks (4-40 s with its default 2 s tick). 10 s: a dead server
    // leaves every client's list within 10 s (clients eject a failing
    // endpoint much sooner by themselves), while a GC pause or a brief
    // network blip on a live one does not cost it its registration. Tests
    // use 1-2 s against a fixture with a 500 ms tick.
    std::chrono::milliseconds sessionTimeout{10000};
    // Optional authentication ("digest", "user:password"), added to every
    // handle the session opens.
    std::string authScheme;
    std::string authCredential;
  };

  enum class Event {
    kConnected,     // connected (first time, again, or as a new session)
    kDisconnected,  // connection lost; the session may still come back
    kExpired,       // the session is gone; a new one is being opened
    kAuthFailed,    // credentials refused; the session is dead for good
  };

  using SessionListener = absl::AnyInvocable<void(Event event)>;
  // `type` is the C client's ZOO_CREATED_EVENT, ZOO_DELETED_EVENT,
  // ZOO_CHANGED_EVENT, ZOO_CHILD_EVENT or ZOO_NOTWATCHING_EVENT.
  using WatchCallback = absl::AnyInvocable<void(int type, const std::string& path)>;
  using ChildrenCallback = absl::AnyInvocable<void(int rc, std::vector<std::string> children)>;
  using DataCallback = absl::AnyInvocable<void(int rc, std::string data)>;
  using CreateCallback = absl::AnyInvocable<void(int rc, std::string createdPath)>;
  using DoneCallback = absl::AnyInvocable<void(int rc)>;

  // The session for `connectString`: the live one if any user still holds
  // it (its Options win; `options` are then ignored), else a new one, which
  // starts connecting at once. INVALID_ARGUMENT for a connect string the
  // client refuses.
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<ZkSession>> get(
      const std::string& connectString, const Options& options);
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<ZkSession>> get(
      const std::string& connectString) {
    return get(connectString, Options{});
  }

  // OK for "host:port[,host:port...]" and nothing else (a chroot suffix
  // belongs in each zk:// URL's path, not in the session). Pure; any thread.
  [[nodiscard]] static absl::Status checkConnectString(const std::string& connectString);

  ~ZkSession();
  ZkSession(const ZkSession&) = delete;
  ZkSession& operator=(const ZkSession&) = delete;

  // The process-wide ZooKeeper loop. Created on first use; lives until exit.
  [[nodiscard]] static net::EventLoop* loop();

  [[nodiscard]] const std::string& connectString() const { return connectString_; }
  [[nodiscard]] const Options& options() const { return options_; }

  // Listeners hear every Event from now on. Any thread. Once
  // removeSessionListener() returns, the listener is never called again
  // (called from another thread, it waits for the ZooKeeper loop).
  uint64_t addSessionListener(SessionListener listener);
  void removeSessionListener(uint64_t id);
  // `callback` runs on every watch event for `path` or any direct child of
  // it. A watch is armed only by a request with watch = true, and fires once.
  // Same thread rules as the listeners.
  uint64_t addWatch(const std::string& path, WatchCallback callback);
  void removeWatch(uint64_t id);

  // Requests. Any thread; see the thread contract for the callbacks. A
  // request made while disconnected waits for the connection (or fails with
  // ZCONNECTIONLOSS if the client gives up on it).
  void getChildren(const std::string& path, bool watch, ChildrenCallback done);
  void getData(const std::string& path, bool watch, DataCallback done);
  // rc ZOK if `path` exists, ZNONODE if not; with `watch`, its creation
  // fires a watch too.
  void exists(const std::string& path, bool watch, DoneCallback done);
  // `flags`: the C client's ZOO_PERSISTENT, ZOO_EPHEMERAL_SEQUENTIAL, ...
  // Nodes are created open to everyone (ZOO_OPEN_ACL_UNSAFE).
  void create(const std::string& path, std::string data, int flags, CreateCallback done);
  // Any version.
  void remove(const std::string& path, DoneCallback done);

  // ZooKeeper loop only.
  [[nodiscard]] bool connected() const { return connected_; }
  // The current session's id; 0 before the first connect.
  [[nodiscard]] int64_t sessionId() const { return sessionId_; }

  // Requests the C client holds (ZkSession.cc). Internal.
  class Pending;

  struct Credentials {
    int64_t id = 0;
    std::string password;
  };
  // The current session's id and password, for tests that expire it from
  // outside. Any thread but the ZooKeeper loop; waits for the loop.
  [[nodiscard]] Credentials credentialsForTesting();

 private:
  struct HandleContext;
  ZkSession(std::string connectString, Options options);

  // The C client's callbacks, in its threads: they copy and post, nothing
  // more.
  static void watcher(zhandle_t* zh, int type, int state, const char* path, void* context);
  static void clientLog(const char* message);

  void open();
  void closeHandle();
  template <typename T, typename Callback>
  std::unique_ptr<T> newOp(Callback done);
  void onWatcherEvent(uint64_t generation, int type, int state, const std::string& path);
  void onSessionState(int state);
  void notify(Event event);
  // Queues `request(handle_)` in the ZooKeeper loop: queued, never run at
  // once, so a callback never runs inside the call that asked for it.
  void inLoop(absl::AnyInvocable<void(ZkSession* self)> request);
  // Runs `f` in the ZooKeeper loop and returns after it ran.
  void inLoopAndWait(absl::AnyInvocable<void()> f);

  const std::string connectString_;
  const Options options_;

  // ZooKeeper loop only (and the destructor, which no loop task can overlap:
  // they hold the session by a strong reference while they run).
  zhandle_t* handle_ = nullptr;
  std::unique_ptr<HandleContext> context_;
  uint64_t generation_ = 0;  // which handle's events are current
  bool connected_ = false;
  bool everConnected_ = false;
  int64_t sessionId_ = 0;
  std::chrono::steady_clock::time_point outageStart_;
  // shared_ptr so that a callback that removes itself is not destroyed
  // while it runs.
  std::map<uint64_t, std::shared_ptr<SessionListener>> listeners_;
  std::map<uint64_t, std::pair<std::string, std::shared_ptr<WatchCallback>>> watches_;
  // Any thread (it has its own lock).
  const std::shared_ptr<Pending> pending_;
};

}  // namespace muduo::rpc::naming

#endif  // RPC_NAMING_ZKSESSION_H_
