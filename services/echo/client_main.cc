// echo_client: echoes its arguments (or stdin lines) through an echo_server,
// or loads it.
//   echo_client hello world          one call per argument
//   echo_client < file                one call per line
//   echo_client --repeat=3 hi         a server stream of 3 answers
//   echo_client --load --calls=200000 --concurrency=100
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/ProgramFlags.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/HostPort.h"
#include "rpc/RpcChannel.h"
#include "services/echo/EchoLoad.h"
#include "services/echo/echo.rpc.h"

ABSL_FLAG(std::string, server, "127.0.0.1:9091", "echo_server address, host:port");
ABSL_FLAG(int, repeat, 0, "ask for a server stream of this many answers per text");
ABSL_FLAG(double, timeout, 5, "per-call deadline in seconds");
ABSL_FLAG(bool, load, false, "load mode: print calls/s and latency instead of echoing");
ABSL_FLAG(int, calls, 100000, "load mode: calls to make");
ABSL_FLAG(int, concurrency, 50, "load mode: calls in flight");
ABSL_FLAG(int, connections, 1, "load mode: connections the calls are spread over");

int main(int argc, char* argv[]) {
  std::vector<char*> args = muduo::parseProgramFlags(
      argc, argv,
      {"echo_client [flags] [TEXT...]",
       "Echoes each TEXT argument, or each line of stdin, through an echo_server. With --load, "
       "a load generator that prints calls/s and latency.",
       {"echo_client hello world", "echo_client --repeat=3 hi",
        "echo_client --server=127.0.0.1:9091 --load --calls=200000 --concurrency=100"}});
  const absl::StatusOr<muduo::net::InetAddress> server =
      muduo::net::HostPort::resolve(absl::GetFlag(FLAGS_server));
  if (!server.ok()) {
    muduo::exitWithUsageError("echo_client", absl::StrCat("--server: ", server.status().message()));
  }
  muduo::net::EventLoopThread loopThread;
  muduo::net::EventLoop* loop = loopThread.startLoop();

  if (absl::GetFlag(FLAGS_load)) {
    muduo::echo::LoadOptions options;
    options.calls = absl::GetFlag(FLAGS_calls);
    options.concurrency = absl::GetFlag(FLAGS_concurrency);
    options.connections = absl::GetFlag(FLAGS_connections);
    const auto result = muduo::echo::runLoad(loop, *server, options);
    printf("echo load: %lld calls (%lld failed) in %.2f s: %.0f calls/s; latency %s\n",
           static_cast<long long>(result.ok), static_cast<long long>(result.failed), result.seconds,
           result.callsPerSecond(), result.latencySummary().c_str());
    return result.failed == 0 ? 0 : 1;
  }

  muduo::rpc::RpcChannel channel(loop, *server);
  channel.connect();
  muduo::echo::EchoService::Stub stub(&channel);
  muduo::rpc::CallOptions callOptions;
  callOptions.timeout =
      std::chrono::microseconds(static_cast<int64_t>(absl::GetFlag(FLAGS_timeout) * 1e6));

  int failures = 0;
  auto echoOne = [&](const std::string& text) {
    if (absl::GetFlag(FLAGS_repeat) > 0) {
      muduo::echo::RepeatRequest request;
      request.set_text(text);
      request.set_count(absl::GetFlag(FLAGS_repeat));
      muduo::CountDownLatch finished(1);
      absl::Status status;
      stub.Repeat(
          request,
          [](const muduo::echo::EchoResponse& response) {
            printf("%s\n", response.text().c_str());
          },
          [&](absl::Status s) {
            status = std::move(s);
            finished.countDown();
          },
          callOptions);
      finished.wait();
      if (!status.ok()) {
        fprintf(stderr, "echo_client: %s\n", status.ToString().c_str());
        ++failures;
      }
      return;
    }
    muduo::echo::EchoRequest request;
    request.set_text(text);
    muduo::echo::EchoResponse response;
    const absl::Status status = stub.Echo(request, &response, callOptions);
    if (status.ok()) {
      printf("%s\n", response.text().c_str());
    } else {
      fprintf(stderr, "echo_client: %s\n", status.ToString().c_str());
      ++failures;
    }
  };

  if (args.size() > 1) {
    for (size_t i = 1; i < args.size(); ++i) echoOne(args[i]);
  } else {
    for (std::string line; std::getline(std::cin, line);) echoOne(line);
  }
  fflush(stdout);
  return failures == 0 ? 0 : 1;
}
