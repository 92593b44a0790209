// RespServerState: what every RESP connection of one server shares: its
// options, the list of connected clients (CLIENT LIST, INFO clients) and the
// counters INFO reports.
//
// Thread safety: any thread. Sessions (in their loop threads) register and
// update themselves; CLIENT LIST and INFO read from any loop.
#ifndef SERVICES_KV_RESPSERVERSTATE_H_
#define SERVICES_KV_RESPSERVERSTATE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "muduo/base/Mutex.h"
#include "services/kv/ScanCursors.h"

namespace muduo::kv {

namespace cluster {
class ClusterState;
}  // namespace cluster

class RespServerState {
 public:
  struct Options {
    // Redis's client-output-buffer-limit for normal clients, as one hard
    // limit: a connection whose unsent replies pass it is closed.
    size_t outputLimitBytes = 64 << 20;
    // Cluster mode: every keyed command is admitted by it first (MOVED,
    // TRYAGAIN, CLUSTERDOWN, CROSSSLOT) and CLUSTER SLOTS shows its map.
    // Null: a standalone server. Must outlive the server.
    const cluster::ClusterState* cluster = nullptr;
  };

  // What CLIENT LIST shows of one connection.
  struct Client {
    std::string addr;
    std::string laddr;
    int64_t createdMs = 0;
    int64_t lastCommandMs = 0;
    std::string name;
    std::string libName;
    std::string libVer;
    std::string lastCommand = "NULL";
    bool inMulti = false;
  };

  explicit RespServerState(Options options);
  RespServerState(const RespServerState&) = delete;
  RespServerState& operator=(const RespServerState&) = delete;

  [[nodiscard]] const Options& options() const { return options_; }
  [[nodiscard]] int64_t startedMs() const { return startedMs_; }
  void setPort(uint16_t port) { port_.store(port, std::memory_order_relaxed); }
  [[nodiscard]] uint16_t port() const { return port_.load(std::memory_order_relaxed); }

  // Returns the new client's id (CLIENT ID), counting from 1.
  uint64_t addClient(Client client);
  void removeClient(uint64_t id);
  // Calls `update` on the client's entry under the lock; keep it short.
  template <typename F>
  void updateClient(uint64_t id, F update) {
    MutexLock lock(&mutex_);
    auto it = clients_.find(id);
    if (it != clients_.end()) update(it->second);
  }
  // CLIENT LIST (every client, one line each) and CLIENT INFO (one line).
  [[nodiscard]] std::string clientList(int64_t nowMs) const;
  [[nodiscard]] std::string clientInfo(uint64_t id, int64_t nowMs) const;
  [[nodiscard]] size_t connectedClients() const;

  // Counters for INFO stats; relaxed, any thread.
  std::atomic<uint64_t> connectionsReceived{0};
  std::atomic<uint64_t> commandsProcessed{0};
  std::atomic<uint64_t> outputLimitDisconnections{0};
  std::atomic<uint64_t> securityWarnings{0};

  // SCAN's remembered cursors, shared by every connection.
  [[nodiscard]] ScanCursors& scanCursors() { return scanCursors_; }

  // Whether a "Possible SECURITY ATTACK" line may be logged now: at most
  // one a minute, as Redis does, so an attacker cannot flood the log.
  bool mayLogSecurityWarning(int64_t nowMs);

 private:
  static void appendLine(std::string* out, uint64_t id, const Client& client, int64_t nowMs);

  const Options options_;
  const int64_t startedMs_;
  std::atomic<uint16_t> port_{0};
  std::atomic<uint64_t> nextId_{1};
  std::atomic<int64_t> lastSecurityLogMs_{0};
  ScanCursors scanCursors_;
  mutable Mutex mutex_;
  std::map<uint64_t, Client> clients_ ABSL_GUARDED_BY(mutex_);
};

// Milliseconds since the epoch, the clock every RESP command uses.
[[nodiscard]] int64_t respNowMs();

}  // namespace muduo::kv

#endif  // SERVICES_KV_RESPSERVERSTATE_H_
