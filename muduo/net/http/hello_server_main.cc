// hello_server: answers every HTTP request with a short text; for benchmarks.
//   bazel run --config=opt //muduo/net/http:hello_server -- --port=N
#include <chrono>
#include <cstdint>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "muduo/base/Logging.h"
#include "muduo/net/ConnectionFlags.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/InetAddress.h"
#include "muduo/net/ListenFlags.h"
#include "muduo/net/http/HttpServer.h"

ABSL_FLAG(int, port, 8080, "TCP port on the --bind address; 0 picks a free one");
ABSL_FLAG(int, threads, 0, "I/O threads (0: serve in the main thread)");
ABSL_FLAG(uint64_t, max_keepalive_requests, 1000,
          "requests per connection before it is closed; 0: no limit");

int main(int argc, char* argv[]) {
  absl::ParseCommandLine(argc, argv);
  muduo::net::EventLoop loop;
  const absl::StatusOr<muduo::net::InetAddress> listenAddr =
      muduo::net::listenAddressFromFlags(absl::GetFlag(FLAGS_port), "port");
  if (!listenAddr.ok())
    return muduo::net::reportStartupFailure("hello_server", listenAddr.status());
  muduo::net::HttpServer server(&loop, *listenAddr, "hello_server");
  if (!server.listenStatus().ok()) {
    return muduo::net::reportStartupFailure("hello_server", server.listenStatus());
  }
  server.setThreadNum(absl::GetFlag(FLAGS_threads));
  const absl::StatusOr<muduo::net::ConnectionOptions> connection =
      muduo::net::connectionOptionsFromFlags(muduo::net::HttpServer::defaultConnectionOptions());
  if (!connection.ok())
    return muduo::net::reportStartupFailure("hello_server", connection.status());
  server.setConnectionOptions(*connection);
  server.setMaxKeepAliveRequests(absl::GetFlag(FLAGS_max_keepalive_requests));
  server.setHttpCallback([](const muduo::net::HttpRequest&, muduo::net::HttpResponse* resp) {
    resp->setContentType("text/plain");
    resp->setBody("hello, world!\n");
  });
  server.start();
  LOG_INFO << "hello_server on " << server.listenAddress().toIpPort();
  loop.loop();
}
