// hello_server: answers every HTTP request with a short text; for benchmarks.
//   bazel run --config=opt //muduo/net/http:hello_server -- --port=N
#include <cstdint>

#include "absl/flags/flag.h"
#include "muduo/base/ProgramFlags.h"
#include "muduo/net/ConnectionFlags.h"
#include "muduo/net/ListenFlags.h"
#include "muduo/net/ServerRunner.h"
#include "muduo/net/http/HttpServer.h"

ABSL_FLAG(uint64_t, max_keepalive_requests, 1000,
          "requests per connection before it is closed; 0: no limit");

int main(int argc, char* argv[]) {
  muduo::net::setServerFlagDefaults({.port = 8080, .threads = 0});
  muduo::parseProgramFlags(argc, argv,
                           {"hello_server [flags]",
                            "Answers every HTTP request with \"hello, world!\"; a target for "
                            "HTTP benchmarks such as wrk.",
                            {"hello_server --port=8080 --threads=2"}});
  // First: it sets the signal mask every later thread inherits.
  muduo::net::ServerRunner runner("hello_server");
  muduo::net::HttpServer server(runner.loop(), runner.listenAddress(), "hello_server");
  if (!server.listenStatus().ok()) {
    return muduo::net::reportStartupFailure("hello_server", server.listenStatus());
  }
  server.setThreadNum(runner.threads());
  const absl::StatusOr<muduo::net::ConnectionOptions> connection =
      muduo::net::connectionOptionsFromFlags(muduo::net::HttpServer::defaultConnectionOptions());
  if (!connection.ok()) muduo::exitWithUsageError("hello_server", connection.status().message());
  server.setConnectionOptions(*connection);
  server.setMaxKeepAliveRequests(absl::GetFlag(FLAGS_max_keepalive_requests));
  server.setHttpCallback([](const muduo::net::HttpRequest&, muduo::net::HttpResponse* resp) {
    resp->setContentType("text/plain");
    resp->setBody("hello, world!\n");
  });
  server.start();
  if (!runner.serving({{"http", server.listenAddress()}}).ok()) return 1;
  return runner.run([](absl::AnyInvocable<void()> done) { done(); });
}
