// The server commands: INFO, CONFIG, COMMAND, TIME: what redis-cli,
// redis-benchmark and client libraries ask a server about itself.
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/kv/GlobMatch.h"
#include "services/kv/Limits.h"
#include "services/kv/RespCall.h"
#include "services/kv/RespCommandTable.h"
#include "services/kv/RespErrors.h"
#include "services/kv/RespReply.h"
#include "services/kv/RespServerState.h"
#include "services/kv/Store.h"

namespace muduo::kv {
namespace {

using Flag = RespCommand::Flag;

constexpr std::string_view kRedisVersion = "7.0.0";

// --- INFO ---

bool wanted(RespCall& call, std::string_view section, bool isDefault) {
  if (call.argc() == 1) return isDefault;
  for (size_t i = 1; i < call.argc(); ++i) {
    const std::string_view name = call.arg(i);
    if (equalsIgnoreCase(name, section) || equalsIgnoreCase(name, "all") ||
        equalsIgnoreCase(name, "everything") || (isDefault && equalsIgnoreCase(name, "default"))) {
      return true;
    }
  }
  return false;
}

void info(RespCall& call) {
  const Store& store = call.store();
  const RespServerState& server = call.server();
  const Store::Stats stats = store.stats();
  const int64_t now = respNowMs();
  std::string text;
  const auto section = [&text](std::string_view title) {
    if (!text.empty()) text += "\r\n";
    absl::StrAppend(&text, "# ", std::string(title), "\r\n");
  };
  const auto field = [&text](std::string_view name, const auto& value) {
    absl::StrAppend(&text, std::string(name), ":", value, "\r\n");
  };
  if (wanted(call, "server", true)) {
    section("Server");
    field("redis_version", std::string(kRedisVersion));
    field("redis_mode", server.options().cluster != nullptr ? "cluster" : "standalone");
    field("os", "Linux");
    field("arch_bits", sizeof(void*) * 8);
    field("multiplexing_api", "epoll");
    field("process_id", ::getpid());
    field("tcp_port", server.port());
    field("uptime_in_seconds", (now - server.startedMs()) / 1000);
    field("uptime_in_days", (now - server.startedMs()) / 86'400'000);
    field("executable", "kv_server");
  }
  if (wanted(call, "clients", true)) {
    section("Clients");
    field("connected_clients", server.connectedClients());
    field("blocked_clients", 0);
    field("maxclients", 10000);
  }
  if (wanted(call, "memory", true)) {
    section("Memory");
    field("used_memory", stats.liveBytes);
    field("used_memory_human", absl::StrCat(stats.liveBytes / 1024, "K"));
    field("used_memory_dataset", stats.liveBytes);
    field("maxmemory", 0);
    field("maxmemory_policy", "noeviction");
  }
  if (wanted(call, "persistence", true)) {
    section("Persistence");
    field("loading", 0);
    field("rdb_changes_since_last_save", stats.batches);
    field("rdb_bgsave_in_progress", 0);
    field("aof_enabled", 1);
    field("aof_rewrite_in_progress", 0);
    field("aof_last_write_status", store.health().ok() ? "ok" : "err");
    field("aof_current_size", stats.logBytes);
    field("aof_rewrites", stats.compactions);
    field("aof_delayed_fsync", stats.postponedWrites);
    field("kv_sync", syncModeName(store.syncMode()));
    field("kv_log_generation", stats.generation);
    field("kv_log_groups", stats.groups);
    field("kv_log_batches", stats.batches);
    field("kv_syncs", stats.syncs);
    field("kv_sync_micros", stats.syncMicros);
  }
  if (wanted(call, "stats", true)) {
    section("Stats");
    field("total_connections_received", server.connectionsReceived.load());
    field("total_commands_processed", server.commandsProcessed.load());
    field("client_output_buffer_limit_disconnections", server.outputLimitDisconnections.load());
    field("security_warnings", server.securityWarnings.load());
  }
  if (wanted(call, "replication", true)) {
    section("Replication");
    field("role", "master");
    field("connected_slaves", 0);
  }
  if (wanted(call, "cluster", true)) {
    section("Cluster");
    field("cluster_enabled", server.options().cluster != nullptr ? 1 : 0);
  }
  if (wanted(call, "keyspace", true)) {
    section("Keyspace");
    if (stats.keys > 0) field("db0", absl::StrCat("keys=", stats.keys, ",expires=0,avg_ttl=0"));
  }
  call.reply().bulk(text);
}

// --- CONFIG ---

// The settings clients ask about, with the values that describe this
// server. CONFIG SET may only "change" one to the value it has.
std::vector<std::pair<std::string, std::string>> configValues(RespCall& call) {
  const RespServerState& server = call.server();
  const std::string limit = std::to_string(server.options().outputLimitBytes);
  return {
      {"save", ""},
      {"appendonly", "yes"},
      {"appendfsync", appendfsyncName(call.store().syncMode())},
      {"databases", "1"},
      {"maxmemory", "0"},
      {"maxmemory-policy", "noeviction"},
      {"maxclients", "10000"},
      {"port", std::to_string(server.port())},
      {"timeout", "0"},
      {"tcp-keepalive", "0"},
      {"proto-max-bulk-len", std::to_string(kMaxValueSize)},
      {"client-output-buffer-limit",
       absl::StrCat("normal ", limit, " ", limit, " 0 slave 0 0 0 pubsub 0 0 0")},
      {"cluster-enabled", server.options().cluster != nullptr ? "yes" : "no"},
      {"replica-read-only", "yes"},
      {"slave-read-only", "yes"},
      {"notify-keyspace-events", ""},
      {"hz", "10"},
      {"io-threads", "1"},
      {"lua-time-limit", "5000"},
      {"busy-reply-threshold", "5000"},
      {"list-max-listpack-size", "-2"},
  };
}

void config(RespCall& call) {
  const std::string_view sub = call.arg(1);
  if (equalsIgnoreCase(sub, "get")) {
    if (call.argc() < 3) {
      arityError(call.reply(), "config|get");
      return;
    }
    std::vector<std::pair<std::string, std::string>> values = configValues(call);
    std::vector<const std::pair<std::string, std::string>*> matched;
    for (const auto& entry : values) {
      for (size_t i = 2; i < call.argc(); ++i) {
        if (globMatch(call.arg(i), entry.first, /*ignoreCase=*/true)) {
          matched.push_back(&entry);
          break;
        }
      }
    }
    RespReply& reply = call.reply();
    reply.arrayHeader(matched.size() * 2);
    for (const auto* entry : matched) {
      reply.bulk(entry->first);
      reply.bulk(entry->second);
    }
  } else if (equalsIgnoreCase(sub, "set")) {
    if (call.argc() < 4 || call.argc() % 2 != 0) {
      arityError(call.reply(), "config|set");
      return;
    }
    const std::vector<std::pair<std::string, std::string>> values = configValues(call);
    for (size_t i = 2; i + 1 < call.argc(); i += 2) {
      const std::pair<std::string, std::string>* entry = nullptr;
      for (const auto& candidate : values) {
        if (equalsIgnoreCase(call.arg(i), candidate.first)) entry = &candidate;
      }
      if (entry == nullptr) {
        call.reply().error(
            absl::StrCat("ERR Unknown option or number of arguments for CONFIG SET - '",
                         std::string(call.arg(i)), "'"));
        return;
      }
      if (call.arg(i + 1) != entry->second) {
        call.reply().error(absl::StrCat("ERR CONFIG SET failed (possibly related to argument '",
                                        entry->first, "') - this server cannot change it"));
        return;
      }
    }
    call.reply().simple("OK");
  } else if (equalsIgnoreCase(sub, "resetstat")) {
    call.reply().simple("OK");
  } else if (equalsIgnoreCase(sub, "rewrite")) {
    call.reply().error("ERR The server is running without a config file");
  } else {
    unknownSubcommandError(call.reply(), sub, "CONFIG");
  }
}

// --- COMMAND ---

void commandFlags(RespReply& reply, const RespCommand& command) {
  static constexpr std::pair<uint32_t, std::string_view> kNames[] = {
      {Flag::kWrite, "write"},      {Flag::kReadonly, "readonly"}, {Flag::kDenyOom, "denyoom"},
      {Flag::kAdmin, "admin"},      {Flag::kNoScript, "noscript"}, {Flag::kLoading, "loading"},
      {Flag::kStale, "stale"},      {Flag::kFast, "fast"},         {Flag::kAllowBusy, "allow_busy"},
      {Flag::kNoMulti, "no_multi"},
  };
  size_t count = 0;
  for (const auto& [flag, name] : kNames) count += (command.flags & flag) != 0 ? 1 : 0;
  reply.arrayHeader(count);
  for (const auto& [flag, name] : kNames) {
    if ((command.flags & flag) != 0) reply.simple(name);
  }
}

void commandInfo(RespReply& reply, const RespCommand& command) {
  reply.arrayHeader(10);
  reply.bulk(command.name);
  reply.integer(command.arity);
  commandFlags(reply, command);
  reply.integer(command.firstKey);
  reply.integer(command.lastKey);
  reply.integer(command.keyStep);
  const bool write = (command.flags & Flag::kWrite) != 0;
  const bool read = (command.flags & Flag::kReadonly) != 0;
  reply.arrayHeader((write || read ? 1 : 0) + 2);
  if (write || read) reply.simple(write ? "@write" : "@read");
  reply.simple(absl::StrCat("@", std::string(command.group)));
  reply.simple((command.flags & Flag::kFast) != 0 ? "@fast" : "@slow");
  reply.arrayHeader(0);  // tips
  reply.arrayHeader(0);  // key specs
  reply.arrayHeader(0);  // subcommands
}

void commandDocs(RespReply& reply, const RespCommand& command) {
  reply.bulk(command.name);
  reply.arrayHeader(6);
  reply.bulk("summary");
  reply.bulk(command.summary);
  reply.bulk("since");
  reply.bulk("1.0.0");
  reply.bulk("group");
  reply.bulk(command.group);
}

void command(RespCall& call) {
  const RespCommandTable& table = RespCommandTable::instance();
  RespReply& reply = call.reply();
  if (call.argc() == 1) {
    reply.arrayHeader(table.all().size());
    for (const RespCommand& c : table.all()) commandInfo(reply, c);
    return;
  }
  const std::string_view sub = call.arg(1);
  if (equalsIgnoreCase(sub, "count")) {
    reply.integer(static_cast<int64_t>(table.all().size()));
  } else if (equalsIgnoreCase(sub, "list")) {
    reply.arrayHeader(table.all().size());
    for (const RespCommand& c : table.all()) reply.bulk(c.name);
  } else if (equalsIgnoreCase(sub, "info")) {
    if (call.argc() == 2) {
      reply.arrayHeader(table.all().size());
      for (const RespCommand& c : table.all()) commandInfo(reply, c);
      return;
    }
    reply.arrayHeader(call.argc() - 2);
    for (size_t i = 2; i < call.argc(); ++i) {
      if (const RespCommand* c = table.find(call.arg(i))) {
        commandInfo(reply, *c);
      } else {
        reply.nilArray();
      }
    }
  } else if (equalsIgnoreCase(sub, "docs")) {
    std::vector<const RespCommand*> found;
    if (call.argc() == 2) {
      for (const RespCommand& c : table.all()) found.push_back(&c);
    } else {
      for (size_t i = 2; i < call.argc(); ++i) {
        if (const RespCommand* c = table.find(call.arg(i))) found.push_back(c);
      }
    }
    reply.arrayHeader(found.size() * 2);
    for (const RespCommand* c : found) commandDocs(reply, *c);
  } else {
    unknownSubcommandError(reply, sub, "COMMAND");
  }
}

// --- TIME ---

void time(RespCall& call) {
  const int64_t micros = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  RespReply& reply = call.reply();
  reply.arrayHeader(2);
  reply.bulk(std::to_string(micros / 1'000'000));
  reply.bulk(std::to_string(micros % 1'000'000));
}

}  // namespace

std::vector<RespCommand> respServerCommands() {
  return {
      {"info", -1, Flag::kLoading | Flag::kStale, info, 0, 0, 0, "server",
       "Get information and statistics about the server"},
      {"config", -2, Flag::kAdmin | Flag::kNoScript | Flag::kLoading | Flag::kStale, config, 0, 0,
       0, "server", "A container for server configuration commands"},
      {"command", -1, Flag::kLoading | Flag::kStale, command, 0, 0, 0, "server",
       "Get array of Redis command details"},
      {"time", 1, Flag::kLoading | Flag::kStale | Flag::kFast, time, 0, 0, 0, "server",
       "Return the current server time"},
  };
}

}  // namespace muduo::kv
