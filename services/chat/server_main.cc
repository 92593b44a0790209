// chat_server: serves muduo.chat.ChatService.
//   tools/bazel run //services/chat:chat_server -- --port=9092
#include <memory>

#include "absl/flags/flag.h"
#include "muduo/base/ProgramFlags.h"
#include "muduo/net/ConnectionFlags.h"
#include "muduo/net/ListenFlags.h"
#include "muduo/net/ServerRunner.h"
#include "rpc/RpcServer.h"
#include "rpc/gateway/RpcHttpGateway.h"
#include "services/chat/ChatServiceImpl.h"

ABSL_FLAG(int64_t, max_member_backlog, 1 << 20,
          "bytes a member's connection may leave unsent before it is dropped as a slow consumer");

int main(int argc, char* argv[]) {
  muduo::net::setServerFlagDefaults({.port = 9092, .threads = 1});
  muduo::parseProgramFlags(
      argc, argv,
      {"chat_server [flags]",
       "Serves muduo.chat.ChatService over MRPC: rooms whose members see each other's posts.",
       {"chat_server --port=9092", "chat_server --port=0 --port_file=/tmp/chat.port"}});
  // First: it sets the signal mask every later thread inherits.
  muduo::net::ServerRunner runner("chat_server");
  muduo::chat::ChatServiceImpl::Options serviceOptions;
  serviceOptions.rooms.room.maxQueuedBytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_max_member_backlog));
  muduo::chat::ChatServiceImpl service(runner.loop(), serviceOptions);
  muduo::rpc::RpcServer::Options options;
  options.ioThreads = runner.threads();
  const absl::StatusOr<muduo::net::ConnectionOptions> connection =
      muduo::net::connectionOptionsFromFlags(options.connection);
  if (!connection.ok()) muduo::exitWithUsageError("chat_server", connection.status().message());
  options.connection = *connection;
  muduo::rpc::RpcServer server(runner.loop(), runner.listenAddress(), options);
  if (!server.listenStatus().ok()) {
    return muduo::net::reportStartupFailure("chat_server", server.listenStatus());
  }
  server.addService(&service);
  server.addProtocol(std::make_unique<muduo::rpc::RpcHttpGateway>(&server));  // /status, /rpc/...
  server.start();
  if (!runner.serving({{"rpc", server.listenAddress()}}).ok()) return 1;
  return runner.run([&server, &service](absl::AnyInvocable<void()> done) {
    // Streams never end by themselves: end them, then drain the rest.
    service.closeAll(absl::UnavailableError("server shutting down"));
    server.shutdown(std::chrono::seconds(5), std::move(done));
  });
}
