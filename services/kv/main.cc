// kv_server: the durable KV store over MRPC (--port) and the Redis protocol
// (--resp_port). Flags and wiring only; the logic is in the libraries.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "muduo/base/Mutex.h"
#include "muduo/base/ProgramFlags.h"
#include "muduo/net/ConnectionFlags.h"
#include "muduo/net/EventLoopThreadPool.h"
#include "muduo/net/InetAddress.h"
#include "muduo/net/ListenFlags.h"
#include "muduo/net/ServerRunner.h"
#include "rpc/RpcServer.h"
#include "rpc/gateway/RpcHttpGateway.h"
#include "rpc/naming/ServerRegistration.h"
#include "services/kv/KvServiceImpl.h"
#include "services/kv/RespServer.h"
#include "services/kv/Store.h"
#include "services/kv/cluster/ClusterAdminServiceImpl.h"
#include "services/kv/cluster/ClusterState.h"
#include "services/kv/cluster/ZkClusterMap.h"

namespace {

std::string defaultDataDir() {
  if (const char* xdg = ::getenv("XDG_DATA_HOME"); xdg != nullptr && xdg[0] == '/') {
    return absl::StrCat(xdg, "/muduo-kv");
  }
  if (const char* home = ::getenv("HOME"); home != nullptr && home[0] == '/') {
    return absl::StrCat(home, "/.local/share/muduo-kv");
  }
  return "/tmp/muduo-kv";
}

}  // namespace

// --bind, --port, --threads, --log_dir, --log_level and --port_file are
// shared by every server: muduo/net/ServerRunner.h.
ABSL_FLAG(int, resp_port, 6380,
          "Redis protocol (RESP2) port on the --bind address; 0 turns it off");
ABSL_FLAG(std::string, data_dir, defaultDataDir(),
          "directory of the log and snapshots; created if missing");
ABSL_FLAG(std::string, sync, "always",
          "when a write is acknowledged, with Redis's appendfsync words: always (after an "
          "fdatasync that covers it, shared by every write waiting at the time), everysec "
          "(after write(2); the log is fdatasynced once a second, so losing power takes at most "
          "about the last 2 s of writes), no (after write(2), never synced by the server: "
          "survives a crash of the server, not of the machine). Also batch (always, plus a "
          "short adaptive wait for more writes before each fdatasync: fewer syncs, more "
          "latency) and none (the same as no)");
ABSL_FLAG(bool, sync_in_loop, true,
          "under --sync=always and batch, an I/O loop writes and fdatasyncs a small batch "
          "itself, as Redis does, when the log writer is idle and the recent groups were small "
          "(fewer syscalls and wake-ups per write when few writes wait); false: every batch "
          "goes to the log writer thread");
ABSL_FLAG(uint64_t, compaction_min_bytes, 64 << 20,
          "compact once the log since the last snapshot is over this and over twice the live data");
ABSL_FLAG(uint64_t, log_reserve_kib, 4096,
          "the log is zero-filled this many KiB ahead of its records, so an append overwrites "
          "space the file already has and each fdatasync writes the data only, not the file's "
          "new size through the file system's journal; 0: every append grows the file");
ABSL_FLAG(bool, repair, false,
          "instead of serving: rewrite each damaged log and snapshot in --data_dir with every "
          "valid record it holds (the original is kept as <file>.corrupt), print what was "
          "dropped, and exit. For when the server refuses to start with DATA_LOSS");
ABSL_FLAG(uint64_t, resp_output_limit_mib, 64,
          "a RESP connection whose unsent replies pass this many MiB is closed (Redis's "
          "client-output-buffer-limit for normal clients)");

ABSL_FLAG(std::string, cluster_node_id, "",
          "cluster mode: this node's id in the slot map; keys of slots it does not serve are "
          "redirected (MOVED). Empty: a standalone server");
ABSL_FLAG(std::string, cluster_slots, "",
          "cluster mode: the initial slot map, in its text form with ';' between lines "
          "(\"epoch 1; node n1 127.0.0.1:9091 127.0.0.1:6381; slots 0-16383 n1\"), or @FILE. "
          "kv_admin publishes newer ones");

ABSL_FLAG(std::string, cluster_zk, "",
          "cluster mode with the slot map in ZooKeeper: HOST:PORT[,HOST:PORT...]/ROOT (e.g. "
          "127.0.0.1:2181/kv/prod). The node registers as ROOT/nodes/<id>, watches ROOT/slots and "
          "installs each newer map; while ZooKeeper is unreachable it serves by the last one");

namespace {

absl::StatusOr<muduo::kv::cluster::SlotMap> initialSlotMap(const std::string& flag) {
  if (flag.empty()) return muduo::kv::cluster::SlotMap();
  if (flag[0] != '@') return muduo::kv::cluster::SlotMap::parse(flag);
  FILE* file = ::fopen(flag.c_str() + 1, "r");
  if (file == nullptr) {
    return absl::NotFoundError(absl::StrCat("--cluster_slots: cannot open ", flag.substr(1)));
  }
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = ::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  ::fclose(file);
  return muduo::kv::cluster::SlotMap::parse(text);
}

}  // namespace

int main(int argc, char* argv[]) {
  muduo::net::setServerFlagDefaults({.port = 9090, .threads = 2});
  muduo::parseProgramFlags(
      argc, argv,
      {"kv_server [flags]",
       "The durable key-value server: MRPC (and HTTP/JSON) on --port, the Redis protocol on "
       "--resp_port. Talk to it with kv_client, or with redis-cli -p 6380.",
       {"kv_server --port=9090 --resp_port=6380 --data_dir=/tmp/kv --sync=always"}});
  const std::optional<muduo::kv::SyncMode> sync =
      muduo::kv::parseSyncMode(absl::GetFlag(FLAGS_sync));
  if (!sync) {
    muduo::exitWithUsageError(
        "kv_server", absl::StrCat("--sync must be always, everysec, no, batch or none, not '",
                                  absl::GetFlag(FLAGS_sync), "'"));
  }
  if (absl::GetFlag(FLAGS_repair)) {
    muduo::kv::Store::Options options;
    options.dir = absl::GetFlag(FLAGS_data_dir);
    const absl::StatusOr<std::string> report = muduo::kv::Store::repair(options);
    if (!report.ok()) {
      fprintf(stderr, "kv_server: repair failed: %s\n", report.status().ToString().c_str());
      return 1;
    }
    fputs(report->c_str(), stdout);
    return 0;
  }
  const absl::StatusOr<muduo::net::InetAddress> respAddress =
      muduo::net::listenAddressFromFlags(absl::GetFlag(FLAGS_resp_port), "resp_port");
  if (!respAddress.ok()) muduo::exitWithUsageError("kv_server", respAddress.status().message());

  // First: it sets the signal mask every later thread inherits.
  muduo::net::ServerRunner runner("kv_server");

  muduo::kv::Store::Options options;
  options.dir = absl::GetFlag(FLAGS_data_dir);
  options.sync = *sync;
  options.syncInLoop = absl::GetFlag(FLAGS_sync_in_loop);
  options.compactionMinBytes = absl::GetFlag(FLAGS_compaction_min_bytes);
  options.logReserveBytes = absl::GetFlag(FLAGS_log_reserve_kib) << 10;
  absl::StatusOr<std::unique_ptr<muduo::kv::Store>> store = muduo::kv::Store::open(options);
  if (!store.ok()) {
    LOG_ERROR << "kv_server: cannot open the store: " << store.status().ToString();
    fprintf(stderr, "kv_server: cannot open the store: %s\n", store.status().ToString().c_str());
    return 1;
  }

  std::unique_ptr<muduo::kv::cluster::ClusterState> cluster;
  if (const std::string id = absl::GetFlag(FLAGS_cluster_node_id); !id.empty()) {
    absl::StatusOr<muduo::kv::cluster::SlotMap> map =
        initialSlotMap(absl::GetFlag(FLAGS_cluster_slots));
    if (!map.ok()) muduo::exitWithUsageError("kv_server", map.status().message());
    cluster = std::make_unique<muduo::kv::cluster::ClusterState>(id);
    if (absl::Status s = cluster->setMap(std::move(*map)); !s.ok()) {
      muduo::exitWithUsageError("kv_server", s.message());
    }
  } else if (!absl::GetFlag(FLAGS_cluster_slots).empty() ||
             !absl::GetFlag(FLAGS_cluster_zk).empty()) {
    muduo::exitWithUsageError("kv_server",
                              "--cluster_slots and --cluster_zk need --cluster_node_id");
  }
  std::optional<muduo::kv::cluster::ZkLocation> zkLocation;
  if (const std::string zk = absl::GetFlag(FLAGS_cluster_zk); !zk.empty()) {
    absl::StatusOr<muduo::kv::cluster::ZkLocation> location =
        muduo::kv::cluster::ZkLocation::parse(zk);
    if (!location.ok()) {
      muduo::exitWithUsageError("kv_server",
                                absl::StrCat("--cluster_zk: ", location.status().message()));
    }
    zkLocation = *location;
  }

  muduo::kv::KvServiceImpl service(store->get());
  service.setCluster(cluster.get());
  // The loops that admit requests, for the admin service's BlockSlot; set
  // once the server has started them.
  muduo::Mutex loopsMutex;
  std::vector<muduo::net::EventLoop*> ioLoops;
  std::unique_ptr<muduo::kv::cluster::ClusterAdminServiceImpl> admin;
  if (cluster != nullptr) {
    admin = std::make_unique<muduo::kv::cluster::ClusterAdminServiceImpl>(
        store->get(), cluster.get(), [&loopsMutex, &ioLoops] {
          muduo::MutexLock lock(&loopsMutex);
          return ioLoops;
        });
  }
  muduo::rpc::RpcServer::Options rpcOptions;
  rpcOptions.ioThreads = runner.threads();
  const absl::StatusOr<muduo::net::ConnectionOptions> connection =
      muduo::net::connectionOptionsFromFlags(rpcOptions.connection);
  if (!connection.ok()) muduo::exitWithUsageError("kv_server", connection.status().message());
  rpcOptions.connection = *connection;
  muduo::rpc::RpcServer rpcServer(runner.loop(), runner.listenAddress(), rpcOptions);
  if (!rpcServer.listenStatus().ok()) {
    return muduo::net::reportStartupFailure("kv_server", rpcServer.listenStatus());
  }
  // --register: ZooKeeper (the MRPC address), from outside the server library.
  absl::StatusOr<std::unique_ptr<muduo::rpc::naming::ServerRegistration>> registration =
      muduo::rpc::naming::ServerRegistration::fromFlags(rpcServer.listenAddress());
  if (!registration.ok()) muduo::exitWithUsageError("kv_server", registration.status().message());
  std::unique_ptr<muduo::kv::RespServer> respServer;
  if (respAddress->port() != 0) {
    muduo::kv::RespServerState::Options respOptions;
    respOptions.outputLimitBytes = absl::GetFlag(FLAGS_resp_output_limit_mib) << 20;
    respOptions.cluster = cluster.get();
    respServer = std::make_unique<muduo::kv::RespServer>(
        runner.loop(), *respAddress, store->get(),
        muduo::kv::RespServer::defaultConnectionOptions(), respOptions);
    if (!respServer->listenStatus().ok()) {
      return muduo::net::reportStartupFailure("kv_server", respServer->listenStatus());
    }
  }
  rpcServer.addService(&service);
  if (admin != nullptr) {
    rpcServer.addService(admin.get());
    rpcServer.setStatusText([c = cluster.get()] { return c->describe(); });
  }
  // Once the store fails (a log write or sync error) it is read-only:
  // /health answers 503 and /status says why.
  rpcServer.setHealthCheck([s = store->get()] { return s->health(); });
  rpcServer.addProtocol(
      std::make_unique<muduo::rpc::RpcHttpGateway>(&rpcServer));  // /status, /rpc/...
  rpcServer.start();
  {
    muduo::MutexLock lock(&loopsMutex);
    ioLoops = rpcServer.threadPool()->getAllLoops();
  }
  // Registered only once both ports serve, so kv_admin init never maps a
  // node that cannot answer yet.
  std::unique_ptr<muduo::kv::cluster::ZkClusterMap> zkMap;
  if (zkLocation) {
    zkMap = std::make_unique<muduo::kv::cluster::ZkClusterMap>(
        *zkLocation, cluster.get(),
        absl::StrCat(rpcServer.listenAddress().toIpPort(), " ",
                     respServer != nullptr ? respServer->listenAddress().toIpPort() : "-"));
    if (absl::Status s = zkMap->start(); !s.ok()) {
      muduo::exitWithUsageError("kv_server", absl::StrCat("--cluster_zk: ", s.message()));
    }
  }
  if (respServer != nullptr) {
    respServer->setThreadPool(rpcServer.threadPool());
    respServer->start();
  }

  LOG_INFO << "kv_server: MRPC on " << rpcServer.listenAddress().toIpPort() << ", RESP "
           << (respServer != nullptr ? respServer->listenAddress().toIpPort() : std::string("off"))
           << ", data in " << options.dir << ", sync=" << muduo::kv::syncModeName(*sync)
           << " (appendfsync " << muduo::kv::appendfsyncName(*sync) << "), " << runner.threads()
           << " I/O threads"
           << (cluster != nullptr ? absl::StrCat(", cluster node ", cluster->selfId(),
                                                 " (slot map epoch ", cluster->epoch(), ")")
                                  : std::string());
  std::vector<std::pair<std::string, muduo::net::InetAddress>> listeners{
      {"rpc", rpcServer.listenAddress()}};
  if (respServer != nullptr) listeners.emplace_back("resp", respServer->listenAddress());
  if (!runner.serving(listeners).ok()) return 1;

  (*registration)->start();
  return runner.run([&](absl::AnyInvocable<void()> done) {
    // Deregister first, so clients and kv_admin stop counting on this node
    // while it still answers.
    if (zkMap != nullptr) zkMap->stop();
    (*registration)->deregisterThen(runner.loop(), [&, done = std::move(done)]() mutable {
      if (respServer != nullptr) respServer->stopAccepting();
      rpcServer.shutdown(std::chrono::seconds(5), [&, done = std::move(done)]() mutable {
        // Every write accepted is now answered, logged and synced.
        (*store)->close();
        if (respServer != nullptr) respServer->stop();
        LOG_INFO << "kv_server: stopped";
        done();
      });
    });
  });
}
