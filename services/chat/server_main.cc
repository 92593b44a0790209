// chat_server: serves muduo.chat.ChatService.
//   tools/bazel run //services/chat:chat_server -- --port=9092
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
#include "services/chat/ChatServiceImpl.h"
#include "services/common/ServerRunner.h"

ABSL_FLAG(int, port, 9092, "RPC port on the --bind address; 0 picks a free one");
ABSL_FLAG(int, threads, 1, "I/O threads; 0 serves in the accepting thread");
ABSL_FLAG(std::string, log_dir, "", "directory for rolling log files; empty logs to stderr");
ABSL_FLAG(int64_t, max_member_backlog, 1 << 20,
          "bytes a member's connection may leave unsent before it is dropped as a slow consumer");

int main(int argc, char* argv[]) {
  absl::SetProgramUsageMessage(
      "Serves muduo.chat.ChatService over MRPC: rooms whose members see each other's posts.");
  absl::ParseCommandLine(argc, argv);
  const absl::StatusOr<muduo::net::InetAddress> listenAddr =
      muduo::net::listenAddressFromFlags(absl::GetFlag(FLAGS_port), "port");
  if (!listenAddr.ok()) return muduo::net::reportStartupFailure("chat_server", listenAddr.status());
  services::ServerRunner runner("chat_server", absl::GetFlag(FLAGS_log_dir));
  muduo::chat::ChatServiceImpl::Options serviceOptions;
  serviceOptions.rooms.room.maxQueuedBytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_max_member_backlog));
  muduo::chat::ChatServiceImpl service(runner.loop(), serviceOptions);
  muduo::rpc::RpcServer::Options options;
  options.ioThreads = absl::GetFlag(FLAGS_threads);
  const absl::StatusOr<muduo::net::ConnectionOptions> connection =
      muduo::net::connectionOptionsFromFlags(options.connection);
  if (!connection.ok()) return muduo::net::reportStartupFailure("chat_server", connection.status());
  options.connection = *connection;
  muduo::rpc::RpcServer server(runner.loop(), *listenAddr, options);
  if (!server.listenStatus().ok()) {
    return muduo::net::reportStartupFailure("chat_server", server.listenStatus());
  }
  server.addService(&service);
  server.addProtocol(std::make_unique<muduo::rpc::RpcHttpGateway>(&server));  // /status, /rpc/...
  server.start();
  LOG_INFO << "chat_server listening on " << server.listenAddress().toIpPort();
  printf("chat_server listening on %s\n", server.listenAddress().toIpPort().c_str());
  fflush(stdout);
  return runner.run([&server, &service](absl::AnyInvocable<void()> done) {
    // Streams never end by themselves: end them, then drain the rest.
    service.closeAll(absl::UnavailableError("server shutting down"));
    server.shutdown(std::chrono::seconds(5), std::move(done));
  });
}
