// file_server: serves a directory over HTTP/1.1.
//   bazel run //muduo/net/http:file_server -- --root=DIR --port=N
#include <chrono>
#include <cstdint>
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "muduo/base/Logging.h"
#include "muduo/net/ConnectionFlags.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/InetAddress.h"
#include "muduo/net/ListenFlags.h"
#include "muduo/net/http/HttpServer.h"
#include "muduo/net/http/StaticFileHandler.h"

ABSL_FLAG(std::string, root, ".", "directory to serve");
ABSL_FLAG(int, port, 8080, "TCP port on the --bind address; 0 picks a free one");
ABSL_FLAG(int, threads, 0, "I/O threads (0: serve in the main thread)");
ABSL_FLAG(uint64_t, max_keepalive_requests, 1000,
          "requests per connection before it is closed; 0: no limit");
ABSL_FLAG(bool, serve_dotfiles, false, "serve paths with a component starting with '.'");

int main(int argc, char* argv[]) {
  absl::ParseCommandLine(argc, argv);
  muduo::net::StaticFileHandler::Options options;
  options.serveDotfiles = absl::GetFlag(FLAGS_serve_dotfiles);
  auto handler = muduo::net::StaticFileHandler::create(absl::GetFlag(FLAGS_root), options);
  if (!handler.ok()) {
    std::fprintf(stderr, "file_server: %s\n", handler.status().ToString().c_str());
    return 1;
  }
  muduo::net::EventLoop loop;
  const absl::StatusOr<muduo::net::InetAddress> listenAddr =
      muduo::net::listenAddressFromFlags(absl::GetFlag(FLAGS_port), "port");
  if (!listenAddr.ok()) return muduo::net::reportStartupFailure("file_server", listenAddr.status());
  muduo::net::HttpServer server(&loop, *listenAddr, "file_server");
  if (!server.listenStatus().ok()) {
    return muduo::net::reportStartupFailure("file_server", server.listenStatus());
  }
  server.setThreadNum(absl::GetFlag(FLAGS_threads));
  const absl::StatusOr<muduo::net::ConnectionOptions> connection =
      muduo::net::connectionOptionsFromFlags(muduo::net::HttpServer::defaultConnectionOptions());
  if (!connection.ok()) return muduo::net::reportStartupFailure("file_server", connection.status());
  server.setConnectionOptions(*connection);
  server.setMaxKeepAliveRequests(absl::GetFlag(FLAGS_max_keepalive_requests));
  server.setHttpCallback(*handler);
  server.start();
  LOG_INFO << "file_server: serving " << handler->root() << " on "
           << server.listenAddress().toIpPort();
  loop.loop();
}
