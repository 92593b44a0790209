// hello_server: answers every HTTP request with a short text; for benchmarks.
//   bazel run --config=opt //muduo/net/http:hello_server -- --port=N
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/InetAddress.h"
#include "muduo/net/http/HttpServer.h"

ABSL_FLAG(int, port, 8080, "TCP port to listen on");
ABSL_FLAG(int, threads, 0, "I/O threads (0: serve in the main thread)");

int main(int argc, char* argv[]) {
  absl::ParseCommandLine(argc, argv);
  muduo::net::EventLoop loop;
  muduo::net::HttpServer server(
      &loop, muduo::net::InetAddress(static_cast<uint16_t>(absl::GetFlag(FLAGS_port))),
      "hello_server");
  server.setThreadNum(absl::GetFlag(FLAGS_threads));
  server.setHttpCallback([](const muduo::net::HttpRequest&, muduo::net::HttpResponse* resp) {
    resp->setContentType("text/plain");
    resp->setBody("hello, world!\n");
  });
  server.start();
  LOG_INFO << "hello_server on " << server.listenAddress().toIpPort();
  loop.loop();
}
