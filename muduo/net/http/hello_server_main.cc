// hello_server: answers every HTTP request with a short text; for benchmarks.
//   bazel run --config=opt //muduo/net/http:hello_server -- --port=N
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/InetAddress.h"
#include "muduo/net/ListenFlags.h"
#include "muduo/net/http/HttpServer.h"

ABSL_FLAG(int, port, 8080, "TCP port on the --bind address; 0 picks a free one");
ABSL_FLAG(int, threads, 0, "I/O threads (0: serve in the main thread)");

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
  server.setHttpCallback([](const muduo::net::HttpRequest&, muduo::net::HttpResponse* resp) {
    resp->setContentType("text/plain");
    resp->setBody("hello, world!\n");
  });
  server.start();
  LOG_INFO << "hello_server on " << server.listenAddress().toIpPort();
  loop.loop();
}
