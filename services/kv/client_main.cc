// kv_client: one command against a kv_server, or a load test.
//
//   kv_client [--server=host:port] put K V | get K | del K | scan PREFIX | cas K OLD NEW
//   kv_client --load [--op=get|put] [--calls=N] [--connections=C] [--concurrency=K]
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "muduo/base/ProgramFlags.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/HostPort.h"
#include "muduo/net/InetAddress.h"
#include "rpc/RpcChannel.h"
#include "services/kv/ClientCommand.h"
#include "services/kv/LoadGenerator.h"
#include "services/kv/cluster/ClusterCalls.h"
#include "services/kv/cluster/KvClusterClient.h"
#include "services/kv/cluster/ZkClusterMap.h"

ABSL_FLAG(std::string, server, "127.0.0.1:9090", "the kv_server's MRPC address, host:port");
ABSL_FLAG(int, timeout_ms, 5000, "deadline of each call");
ABSL_FLAG(std::string, cluster, "",
          "a sharded cluster instead of one --server: the MRPC host:port of one or more of its "
          "nodes (comma-separated), to read the slot map from, or zk://HOST:PORT/ROOT to read it "
          "from ZooKeeper; each key then goes to the node serving its slot, following MOVED "
          "redirects");
ABSL_FLAG(bool, cas_absent, false, "cas: expect the key to be absent (then: cas K NEW)");
ABSL_FLAG(bool, cas_delete, false, "cas: delete the key instead of setting it (then: cas K OLD)");
ABSL_FLAG(size_t, limit, 0, "scan: at most this many entries (0: all)");
ABSL_FLAG(uint64_t, ttl_ms, 0, "put: the key expires this many milliseconds later (0: never)");
ABSL_FLAG(bool, load, false, "load mode: many calls, then calls/s and latency percentiles");
ABSL_FLAG(std::string, op, "get", "load mode: get or put");
ABSL_FLAG(int64_t, calls, 100000, "load mode: calls in total");
ABSL_FLAG(int, connections, 50, "load mode: connections");
ABSL_FLAG(int, concurrency, 1, "load mode: calls in flight per connection");
ABSL_FLAG(int, client_threads, 1, "load mode: client I/O threads");
ABSL_FLAG(int64_t, keys, 10000, "load mode: distinct keys (get first puts them all)");
ABSL_FLAG(size_t, value_size, 100, "load mode: bytes per value");

namespace {

int runLoadMode(const muduo::net::InetAddress& server) {
  muduo::kv::LoadOptions options;
  const std::string op = absl::GetFlag(FLAGS_op);
  if (op != "get" && op != "put") {
    std::cerr << "kv_client: --op must be get or put\n";
    return 2;
  }
  options.calls = absl::GetFlag(FLAGS_calls);
  options.connections = absl::GetFlag(FLAGS_connections);
  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.threads = absl::GetFlag(FLAGS_client_threads);
  options.keys = std::max<int64_t>(1, absl::GetFlag(FLAGS_keys));
  options.valueSize = absl::GetFlag(FLAGS_value_size);
  if (op == "get") {
    // Every key the gets ask for exists.
    muduo::kv::LoadOptions fill = options;
    fill.op = muduo::kv::LoadOptions::Op::kPut;
    fill.calls = options.keys;
    const muduo::kv::LoadResult filled = muduo::kv::runLoad(server, fill);
    if (filled.errors > 0 || filled.ok != fill.calls) {
      std::cerr << "kv_client: filling the keys failed: " << filled.summary() << "\n";
      return 2;
    }
    options.op = muduo::kv::LoadOptions::Op::kGet;
  } else {
    options.op = muduo::kv::LoadOptions::Op::kPut;
  }
  const muduo::kv::LoadResult result = muduo::kv::runLoad(server, options);
  std::cout << op << ": " << options.connections << " connections x " << options.concurrency
            << " in flight, " << options.valueSize << "-byte values: " << result.summary() << "\n";
  return result.errors == 0 && result.ok == options.calls ? 0 : 2;
}

muduo::kv::CommandOptions commandOptions() {
  muduo::kv::CommandOptions options;
  options.expectAbsent = absl::GetFlag(FLAGS_cas_absent);
  options.remove = absl::GetFlag(FLAGS_cas_delete);
  options.scanLimit = absl::GetFlag(FLAGS_limit);
  options.ttlMs = absl::GetFlag(FLAGS_ttl_ms);
  return options;
}

int runClusterCommand(const std::string& seeds, const std::vector<char*>& positional) {
  if (absl::GetFlag(FLAGS_load)) {
    std::cerr << "kv_client: --load runs against one --server, not a --cluster\n";
    return 2;
  }
  muduo::net::EventLoopThread loopThread;
  muduo::kv::cluster::KvClusterClient::Options options;
  size_t start = 0;
  while (start <= seeds.size()) {
    const size_t comma = std::min(seeds.find(',', start), seeds.size());
    if (comma > start) options.seeds.push_back(seeds.substr(start, comma - start));
    start = comma + 1;
  }
  options.timeout = std::chrono::milliseconds(absl::GetFlag(FLAGS_timeout_ms));
  std::unique_ptr<muduo::kv::cluster::ZkClusterMap> watcher;
  muduo::kv::cluster::KvClusterClient client(loopThread.startLoop(), options);
  if (seeds.starts_with("zk://")) {
    // The map from ZooKeeper, kept current by a watch.
    absl::StatusOr<muduo::kv::cluster::ZkLocation> location =
        muduo::kv::cluster::ZkLocation::parse(seeds.substr(5));
    if (!location.ok()) muduo::exitWithUsageError("kv_client", location.status().message());
    watcher = std::make_unique<muduo::kv::cluster::ZkClusterMap>(
        *location, [&client](muduo::kv::cluster::SlotMap map) { client.setMap(std::move(map)); });
    if (absl::Status s = watcher->start(); !s.ok()) {
      muduo::exitWithUsageError("kv_client", s.message());
    }
    const auto deadline = std::chrono::steady_clock::now() + options.timeout;
    while (client.map()->epoch() == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (client.map()->epoch() == 0) {
      std::cerr << "kv_client: no slot map in ZooKeeper at " << seeds << "\n";
      return 2;
    }
  } else if (absl::Status s = client.refreshMap(); !s.ok()) {
    std::cerr << "kv_client: cannot read the slot map from " << seeds << ": " << s << "\n";
    return 2;
  }
  muduo::kv::cluster::ClusterCalls calls(&client);
  const std::vector<std::string> args(positional.begin() + 1, positional.end());
  const int code = muduo::kv::runCommand(calls, args, commandOptions(), std::cout, std::cerr);
  if (watcher != nullptr) watcher->stop();
  return code;
}

}  // namespace

int main(int argc, char* argv[]) {
  std::vector<char*> positional = muduo::parseProgramFlags(
      argc, argv,
      {"kv_client [flags] put K V | get K | del K | scan PREFIX | cas K OLD NEW",
       "A client for kv_server. With --load, a load generator that prints calls/s and "
       "latency percentiles.",
       {"kv_client --server=127.0.0.1:9090 put user:1 alice", "kv_client get user:1",
        "kv_client --load --op=get --calls=100000 --connections=50"}});
  muduo::Logger::setLogLevel(muduo::LogLevel::kWarn);
  if (const std::string seeds = absl::GetFlag(FLAGS_cluster); !seeds.empty()) {
    return runClusterCommand(seeds, positional);
  }
  const absl::StatusOr<muduo::net::InetAddress> server =
      muduo::net::HostPort::resolve(absl::GetFlag(FLAGS_server));
  if (!server.ok()) {
    muduo::exitWithUsageError("kv_client", absl::StrCat("--server: ", server.status().message()));
  }
  if (absl::GetFlag(FLAGS_load)) return runLoadMode(*server);

  muduo::net::EventLoopThread loopThread;
  muduo::net::EventLoop* loop = loopThread.startLoop();
  muduo::rpc::RpcChannel::Options channelOptions;
  channelOptions.defaultTimeout = std::chrono::milliseconds(absl::GetFlag(FLAGS_timeout_ms));
  int code = 0;
  {
    muduo::rpc::RpcChannel channel(loop, *server, channelOptions);
    channel.connect();
    muduo::kv::KvService::Stub stub(&channel);
    const std::vector<std::string> args(positional.begin() + 1, positional.end());
    code = muduo::kv::runCommand(stub, args, commandOptions(), std::cout, std::cerr);
  }
  return code;
}
