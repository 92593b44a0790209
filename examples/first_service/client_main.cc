// calc_client: calls a calc_server.
//   calc_client add 2 3      prints 5
//   calc_client count 3      prints 1, 2 and 3, one per line
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "examples/first_service/calc.rpc.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/ProgramFlags.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/InetAddress.h"
#include "rpc/RpcChannel.h"

ABSL_FLAG(std::string, server, "127.0.0.1:9093", "calc_server address, ip:port");

int main(int argc, char* argv[]) {
  std::vector<char*> args = muduo::parseProgramFlags(
      argc, argv,
      {"calc_client [flags] add A B | count N",
       "Calls a calc_server.",
       {"calc_client add 2 3", "calc_client --server=127.0.0.1:9093 count 3"}});
  const std::string server = absl::GetFlag(FLAGS_server);
  const size_t colon = server.rfind(':');
  const std::optional<muduo::net::InetAddress> address =
      colon == std::string::npos
          ? std::nullopt
          : muduo::net::InetAddress::parse(server.substr(0, colon),
                                           static_cast<uint16_t>(atoi(&server[colon + 1])));
  if (!address) muduo::exitWithUsageError("calc_client", "--server must be ip:port");
  const std::string command = args.size() > 1 ? args[1] : "";
  if (!((command == "add" && args.size() == 4) || (command == "count" && args.size() == 3))) {
    muduo::exitWithUsageError("calc_client", "want add A B or count N (see --help)");
  }

  muduo::net::EventLoopThread loopThread;  // the channel's I/O runs there
  muduo::rpc::RpcChannel channel(loopThread.startLoop(), *address);
  channel.connect();
  example::calc::CalcService::Stub stub(&channel);

  absl::Status status;
  if (command == "add") {
    example::calc::AddRequest request;
    request.set_a(atoll(args[2]));
    request.set_b(atoll(args[3]));
    example::calc::AddResponse response;
    status = stub.Add(request, &response);  // blocking, 5 s deadline
    if (status.ok()) printf("%lld\n", static_cast<long long>(response.sum()));
  } else {
    example::calc::CountRequest request;
    request.set_to(atoi(args[2]));
    muduo::CountDownLatch finished(1);
    stub.Count(
        request, [](const example::calc::CountResponse& message) { printf("%d\n", message.n()); },
        [&](absl::Status s) {
          status = std::move(s);
          finished.countDown();
        });
    finished.wait();
  }
  if (!status.ok()) {
    fprintf(stderr, "calc_client: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
