// A client and nothing else: a generated stub over an RpcChannel, for
// client_links_no_http_test to inspect the symbols of. Running it makes one
// call to a port nobody serves and prints the status.
#include <cstdio>

#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/InetAddress.h"
#include "rpc/RpcChannel.h"
#include "rpc/compiler/testdata/test.rpc.h"

int main() {
  muduo::net::EventLoopThread thread;
  muduo::rpc::RpcChannel channel(thread.startLoop(), muduo::net::InetAddress(1, true));
  channel.connect();
  muduo::rpc::test::TestService::Stub stub(&channel);
  muduo::rpc::test::EchoRequest request;
  muduo::rpc::test::EchoResponse response;
  muduo::rpc::CallOptions options;
  options.timeout = std::chrono::milliseconds(100);
  const absl::Status status = stub.Echo(request, &response, options);
  std::printf("%s\n", status.ToString().c_str());
  return 0;
}
