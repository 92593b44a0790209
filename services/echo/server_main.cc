// echo_server: serves muduo.echo.EchoService.
//   tools/bazel run //services/echo:echo_server -- --port=9091
#include <cstdio>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "muduo/base/Logging.h"
#include "muduo/net/ConnectionFlags.h"
#include "muduo/net/ListenFlags.h"
#include "rpc/RpcServer.h"
#include "rpc/gateway/RpcHttpGateway.h"
#include "services/common/ServerRunner.h"
#include "services/echo/EchoServiceImpl.h"

ABSL_FLAG(int, port, 9091, "RPC port on the --bind address; 0 picks a free one");
ABSL_FLAG(int, threads, 1, "I/O threads; 0 serves in the accepting thread");
ABSL_FLAG(std::string, log_dir, "", "directory for rolling log files; empty logs to stderr");

int main(int argc, char* argv[]) {
  absl::SetProgramUsageMessage("Serves muduo.echo.EchoService over MRPC.");
  absl::ParseCommandLine(argc, argv);
  const absl::StatusOr<muduo::net::InetAddress> listenAddr =
      muduo::net::listenAddressFromFlags(absl::GetFlag(FLAGS_port), "port");
  if (!listenAddr.ok()) return muduo::net::reportStartupFailure("echo_server", listenAddr.status());
  services::ServerRunner runner("echo_server", absl::GetFlag(FLAGS_log_dir));
  muduo::echo::EchoServiceImpl service;
  muduo::rpc::RpcServer::Options options;
  options.ioThreads = absl::GetFlag(FLAGS_threads);
  const absl::StatusOr<muduo::net::ConnectionOptions> connection =
      muduo::net::connectionOptionsFromFlags(options.connection);
  if (!connection.ok()) return muduo::net::reportStartupFailure("echo_server", connection.status());
  options.connection = *connection;
  muduo::rpc::RpcServer server(runner.loop(), *listenAddr, options);
  if (!server.listenStatus().ok()) {
    return muduo::net::reportStartupFailure("echo_server", server.listenStatus());
  }
  server.addService(&service);
  server.addProtocol(std::make_unique<muduo::rpc::RpcHttpGateway>(&server));  // /status, /rpc/...
  server.start();
  LOG_INFO << "echo_server listening on " << server.listenAddress().toIpPort();
  printf("echo_server listening on %s\n", server.listenAddress().toIpPort().c_str());
  fflush(stdout);
  return runner.run([&server](absl::AnyInvocable<void()> done) {
    server.shutdown(std::chrono::seconds(5), std::move(done));
  });
}
