// kv_server: the durable KV store over MRPC (--port) and the Redis protocol
// (--resp_port). Flags and wiring only; the logic is in the libraries.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "muduo/base/ProgramFlags.h"
#include "muduo/net/ConnectionFlags.h"
#include "muduo/net/InetAddress.h"
#include "muduo/net/ListenFlags.h"
#include "muduo/net/ServerRunner.h"
#include "rpc/RpcServer.h"
#include "rpc/gateway/RpcHttpGateway.h"
#include "rpc/naming/ServerRegistration.h"
#include "services/kv/KvServiceImpl.h"
#include "services/kv/RespServer.h"
#include "services/kv/Store.h"

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
ABSL_FLAG(uint64_t, compaction_min_bytes, 64 << 20,
          "compact once the log since the last snapshot is over this and over twice the live data");
ABSL_FLAG(bool, repair, false,
          "instead of serving: rewrite each damaged log and snapshot in --data_dir with every "
          "valid record it holds (the original is kept as <file>.corrupt), print what was "
          "dropped, and exit. For when the server refuses to start with DATA_LOSS");
ABSL_FLAG(uint64_t, resp_output_limit_mib, 64,
          "a RESP connection whose unsent replies pass this many MiB is closed (Redis's "
          "client-output-buffer-limit for normal clients)");

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
  options.compactionMinBytes = absl::GetFlag(FLAGS_compaction_min_bytes);
  absl::StatusOr<std::unique_ptr<muduo::kv::Store>> store = muduo::kv::Store::open(options);
  if (!store.ok()) {
    LOG_ERROR << "kv_server: cannot open the store: " << store.status().ToString();
    fprintf(stderr, "kv_server: cannot open the store: %s\n", store.status().ToString().c_str());
    return 1;
  }

  muduo::kv::KvServiceImpl service(store->get());
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
    respServer = std::make_unique<muduo::kv::RespServer>(
        runner.loop(), *respAddress, store->get(),
        muduo::kv::RespServer::defaultConnectionOptions(), respOptions);
    if (!respServer->listenStatus().ok()) {
      return muduo::net::reportStartupFailure("kv_server", respServer->listenStatus());
    }
  }
  rpcServer.addService(&service);
  // Once the store fails (a log write or sync error) it is read-only:
  // /health answers 503 and /status says why.
  rpcServer.setHealthCheck([s = store->get()] { return s->health(); });
  rpcServer.addProtocol(
      std::make_unique<muduo::rpc::RpcHttpGateway>(&rpcServer));  // /status, /rpc/...
  rpcServer.start();
  if (respServer != nullptr) {
    respServer->setThreadPool(rpcServer.threadPool());
    respServer->start();
  }

  LOG_INFO << "kv_server: MRPC on " << rpcServer.listenAddress().toIpPort() << ", RESP "
           << (respServer != nullptr ? respServer->listenAddress().toIpPort() : std::string("off"))
           << ", data in " << options.dir << ", sync=" << muduo::kv::syncModeName(*sync)
           << " (appendfsync " << muduo::kv::appendfsyncName(*sync) << "), " << runner.threads()
           << " I/O threads";
  std::vector<std::pair<std::string, muduo::net::InetAddress>> listeners{
      {"rpc", rpcServer.listenAddress()}};
  if (respServer != nullptr) listeners.emplace_back("resp", respServer->listenAddress());
  if (!runner.serving(listeners).ok()) return 1;

  (*registration)->start();
  return runner.run([&](absl::AnyInvocable<void()> done) {
    // Deregister first, so clients move away while this server still answers.
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
