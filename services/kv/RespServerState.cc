#include "services/kv/RespServerState.h"

#include <chrono>

#include "absl/strings/str_cat.h"

namespace muduo::kv {

int64_t respNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

RespServerState::RespServerState(Options options) : options_(options), startedMs_(respNowMs()) {}

uint64_t RespServerState::addClient(Client client) {
  const uint64_t id = nextId_.fetch_add(1, std::memory_order_relaxed);
  connectionsReceived.fetch_add(1, std::memory_order_relaxed);
  MutexLock lock(&mutex_);
  clients_.emplace(id, std::move(client));
  return id;
}

void RespServerState::removeClient(uint64_t id) {
  MutexLock lock(&mutex_);
  clients_.erase(id);
}

size_t RespServerState::connectedClients() const {
  MutexLock lock(&mutex_);
  return clients_.size();
}

void RespServerState::appendLine(std::string* out, uint64_t id, const Client& c, int64_t nowMs) {
  // Redis's field order; the memory figures Redis reports have no
  // counterpart here and read 0.
  absl::StrAppend(out, "id=", id, " addr=", c.addr, " laddr=", c.laddr, " fd=-1 name=", c.name,
                  " age=", (nowMs - c.createdMs) / 1000, " idle=", (nowMs - c.lastCommandMs) / 1000,
                  " flags=", c.inMulti ? "x" : "N",
                  " db=0 sub=0 psub=0 ssub=0 multi=", c.inMulti ? 0 : -1,
                  " qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 "
                  "tot-mem=0 events=r cmd=",
                  c.lastCommand, " user=default redir=-1 resp=2");
  if (!c.libName.empty() || !c.libVer.empty()) {
    absl::StrAppend(out, " lib-name=", c.libName, " lib-ver=", c.libVer);
  }
  out->append("\n");
}

std::string RespServerState::clientList(int64_t nowMs) const {
  std::string out;
  MutexLock lock(&mutex_);
  for (const auto& [id, client] : clients_) appendLine(&out, id, client, nowMs);
  return out;
}

std::string RespServerState::clientInfo(uint64_t id, int64_t nowMs) const {
  std::string out;
  MutexLock lock(&mutex_);
  auto it = clients_.find(id);
  if (it != clients_.end()) appendLine(&out, id, it->second, nowMs);
  return out;
}

bool RespServerState::mayLogSecurityWarning(int64_t nowMs) {
  int64_t last = lastSecurityLogMs_.load(std::memory_order_relaxed);
  return nowMs - last >= 60'000 &&
         lastSecurityLogMs_.compare_exchange_strong(last, nowMs, std::memory_order_relaxed);
}

}  // namespace muduo::kv
