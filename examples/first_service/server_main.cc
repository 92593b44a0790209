// calc_server: serves example.calc.CalcService.
#include <chrono>

#include "examples/first_service/CalcServiceImpl.h"
#include "muduo/base/ProgramFlags.h"
#include "muduo/net/ListenFlags.h"
#include "muduo/net/ServerRunner.h"
#include "rpc/RpcServer.h"

int main(int argc, char* argv[]) {
  muduo::net::setServerFlagDefaults({.port = 9093, .threads = 1});
  muduo::parseProgramFlags(argc, argv,
                           {"calc_server [flags]",
                            "Serves example.calc.CalcService over MRPC.",
                            {"calc_server --port=9093"}});
  muduo::net::ServerRunner runner("calc_server");  // first: it sets the signal mask
  example::calc::CalcServiceImpl service;
  muduo::rpc::RpcServer::Options options;
  options.ioThreads = runner.threads();
  muduo::rpc::RpcServer server(runner.loop(), runner.listenAddress(), options);
  if (!server.listenStatus().ok()) {
    return muduo::net::reportStartupFailure("calc_server", server.listenStatus());
  }
  server.addService(&service);
  server.start();
  if (!runner.serving({{"rpc", server.listenAddress()}}).ok()) return 1;
  return runner.run([&server](absl::AnyInvocable<void()> done) {
    server.shutdown(std::chrono::seconds(5), std::move(done));
  });
}
