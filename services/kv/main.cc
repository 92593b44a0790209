// kv_server: the durable KV store over MRPC (--port) and the Redis protocol
// (--resp_port). Flags and wiring only; the logic is in the libraries.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "muduo/net/ConnectionFlags.h"
#include "muduo/net/InetAddress.h"
#include "muduo/net/ListenFlags.h"
#include "rpc/RpcServer.h"
#include "rpc/gateway/RpcHttpGateway.h"
#include "services/common/ServerRunner.h"
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

// --bind (127.0.0.1 by default) is shared by every server: muduo/net/ListenFlags.h.
ABSL_FLAG(int, port, 9090, "MRPC port on the --bind address (0: any free port)");
ABSL_FLAG(int, resp_port, 6380,
          "Redis protocol (RESP2) port on the --bind address; 0 turns it off");
ABSL_FLAG(int, threads, 2, "I/O threads shared by both protocols (0: all in the main thread)");
ABSL_FLAG(std::string, data_dir, defaultDataDir(),
          "directory of the log and snapshots; created if missing");
ABSL_FLAG(std::string, sync, "batch",
          "when a write is acknowledged: always (one fdatasync per write), batch (after an "
          "fdatasync shared by every write waiting for it), none (after write(2): survives a "
          "crash of the server, not of the machine)");
ABSL_FLAG(uint64_t, compaction_min_bytes, 64 << 20,
          "compact once the log since the last snapshot is over this and over twice the live data");
ABSL_FLAG(std::string, log_dir, "", "directory for log files (default: log to stderr)");
ABSL_FLAG(std::string, port_file, "",
          "once serving, write 'rpc_port=N' and 'resp_port=N' lines to this file (for scripts "
          "and tests using port 0)");

int main(int argc, char* argv[]) {
  // --help lists the flags of this directory's files (absl's default looks
  // for a file named after the binary).
  absl::FlagsUsageConfig usage;
  usage.contains_helpshort_flags = [](absl::string_view file) {
    return absl::StrContains(file, "services/kv/") || absl::StrContains(file, "ListenFlags");
  };
  usage.contains_help_flags = usage.contains_helpshort_flags;
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(
      "The durable key-value server.\n"
      "  kv_server [--port=9090] [--resp_port=6380] [--data_dir=DIR] [--sync=batch]\n"
      "Talk to it with kv_client, or with redis-cli -p 6380.");
  absl::ParseCommandLine(argc, argv);
  const std::optional<muduo::kv::SyncMode> sync =
      muduo::kv::parseSyncMode(absl::GetFlag(FLAGS_sync));
  if (!sync) {
    fprintf(stderr, "kv_server: --sync must be always, batch or none, not '%s'\n",
            absl::GetFlag(FLAGS_sync).c_str());
    return 2;
  }
  const absl::StatusOr<muduo::net::InetAddress> rpcAddress =
      muduo::net::listenAddressFromFlags(absl::GetFlag(FLAGS_port), "port");
  if (!rpcAddress.ok()) return muduo::net::reportStartupFailure("kv_server", rpcAddress.status());
  const absl::StatusOr<muduo::net::InetAddress> respAddress =
      muduo::net::listenAddressFromFlags(absl::GetFlag(FLAGS_resp_port), "resp_port");
  if (!respAddress.ok()) return muduo::net::reportStartupFailure("kv_server", respAddress.status());

  // First: it sets the signal mask every later thread inherits.
  services::ServerRunner runner("kv_server", absl::GetFlag(FLAGS_log_dir));

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
  rpcOptions.ioThreads = absl::GetFlag(FLAGS_threads);
  const absl::StatusOr<muduo::net::ConnectionOptions> connection =
      muduo::net::connectionOptionsFromFlags(rpcOptions.connection);
  if (!connection.ok()) return muduo::net::reportStartupFailure("kv_server", connection.status());
  rpcOptions.connection = *connection;
  muduo::rpc::RpcServer rpcServer(runner.loop(), *rpcAddress, rpcOptions);
  if (!rpcServer.listenStatus().ok()) {
    return muduo::net::reportStartupFailure("kv_server", rpcServer.listenStatus());
  }
  std::unique_ptr<muduo::kv::RespServer> respServer;
  if (respAddress->port() != 0) {
    respServer = std::make_unique<muduo::kv::RespServer>(runner.loop(), *respAddress, store->get());
    if (!respServer->listenStatus().ok()) {
      return muduo::net::reportStartupFailure("kv_server", respServer->listenStatus());
    }
  }
  rpcServer.addService(&service);
  rpcServer.addProtocol(
      std::make_unique<muduo::rpc::RpcHttpGateway>(&rpcServer));  // /status, /rpc/...
  rpcServer.start();
  if (respServer != nullptr) {
    respServer->setThreadPool(rpcServer.threadPool());
    respServer->start();
  }

  const uint16_t respPort = respServer != nullptr ? respServer->listenAddress().port() : 0;
  LOG_INFO << "kv_server: MRPC on " << rpcServer.listenAddress().toIpPort() << ", RESP "
           << (respServer != nullptr ? respServer->listenAddress().toIpPort() : std::string("off"))
           << ", data in " << options.dir << ", sync=" << muduo::kv::syncModeName(*sync) << ", "
           << absl::GetFlag(FLAGS_threads) << " I/O threads";
  if (const std::string portFile = absl::GetFlag(FLAGS_port_file); !portFile.empty()) {
    const std::string temp = portFile + ".tmp";
    {
      std::ofstream out(temp);
      out << "rpc_port=" << rpcServer.listenAddress().port() << "\nresp_port=" << respPort << "\n";
    }
    std::rename(temp.c_str(), portFile.c_str());
  }

  return runner.run([&](absl::AnyInvocable<void()> done) {
    if (respServer != nullptr) respServer->stopAccepting();
    rpcServer.shutdown(std::chrono::seconds(5), [&, done = std::move(done)]() mutable {
      // Every write accepted is now answered, logged and synced.
      (*store)->close();
      if (respServer != nullptr) respServer->stop();
      LOG_INFO << "kv_server: stopped";
      done();
    });
  });
}
