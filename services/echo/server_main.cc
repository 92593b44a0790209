// echo_server: serves muduo.echo.EchoService.
//   tools/bazel run //services/echo:echo_server -- --port=9091
#include <memory>

#include "muduo/base/ProgramFlags.h"
#include "muduo/net/ConnectionFlags.h"
#include "muduo/net/ListenFlags.h"
#include "muduo/net/ServerRunner.h"
#include "rpc/RpcServer.h"
#include "rpc/gateway/RpcHttpGateway.h"
#include "rpc/naming/ServerRegistration.h"
#include "services/echo/EchoServiceImpl.h"

int main(int argc, char* argv[]) {
  muduo::net::setServerFlagDefaults({.port = 9091, .threads = 1});
  muduo::parseProgramFlags(
      argc, argv,
      {"echo_server [flags]",
       "Serves muduo.echo.EchoService over MRPC, and HTTP/JSON on the same port.",
       {"echo_server --port=9091 --threads=2",
        "echo_server --port=0 --port_file=/tmp/echo.port --log_dir=/tmp/echo-logs",
        "echo_server --port=0 --register=zk://127.0.0.1:2181/services/muduo.echo.EchoService"}});
  // First: it sets the signal mask every later thread inherits.
  muduo::net::ServerRunner runner("echo_server");
  muduo::echo::EchoServiceImpl service;
  muduo::rpc::RpcServer::Options options;
  options.ioThreads = runner.threads();
  const absl::StatusOr<muduo::net::ConnectionOptions> connection =
      muduo::net::connectionOptionsFromFlags(options.connection);
  if (!connection.ok()) muduo::exitWithUsageError("echo_server", connection.status().message());
  options.connection = *connection;
  muduo::rpc::RpcServer server(runner.loop(), runner.listenAddress(), options);
  if (!server.listenStatus().ok()) {
    return muduo::net::reportStartupFailure("echo_server", server.listenStatus());
  }
  // --register: ZooKeeper, from outside the server library.
  absl::StatusOr<std::unique_ptr<muduo::rpc::naming::ServerRegistration>> registration =
      muduo::rpc::naming::ServerRegistration::fromFlags(server.listenAddress());
  if (!registration.ok()) muduo::exitWithUsageError("echo_server", registration.status().message());
  server.addService(&service);
  server.addProtocol(std::make_unique<muduo::rpc::RpcHttpGateway>(&server));  // /status, /rpc/...
  server.start();
  if (!runner.serving({{"rpc", server.listenAddress()}}).ok()) return 1;
  (*registration)->start();
  return runner.run([&](absl::AnyInvocable<void()> done) {
    // Deregister first, so clients move away while this server still answers.
    (*registration)->deregisterThen(runner.loop(), [&server, done = std::move(done)]() mutable {
      server.shutdown(std::chrono::seconds(5), std::move(done));
    });
  });
}
