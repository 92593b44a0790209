// Serves the greeter on a loopback port and calls it, through @muduo_cpp's
// public targets only.
#include <memory>

#include "GreeterImpl.h"
#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/InetAddress.h"
#include "rpc/RpcChannel.h"
#include "rpc/RpcServer.h"

namespace external::greeter {
namespace {

// Runs `f` in `loop`'s thread and waits for it: the server belongs there.
template <typename F>
void runAndWait(muduo::net::EventLoop* loop, F f) {
  muduo::CountDownLatch done(1);
  loop->runInLoop([&] {
    f();
    done.countDown();
  });
  done.wait();
}

TEST(GreeterTest, AClientInThisWorkspaceCallsAServerInThisWorkspace) {
  muduo::net::EventLoopThread serverThread;
  muduo::net::EventLoop* serverLoop = serverThread.startLoop();
  GreeterImpl impl;
  std::unique_ptr<muduo::rpc::RpcServer> server;
  muduo::net::InetAddress address;
  runAndWait(serverLoop, [&] {
    server = std::make_unique<muduo::rpc::RpcServer>(
        serverLoop, muduo::net::InetAddress(0, /*loopbackOnly=*/true),
        muduo::rpc::RpcServer::Options());
    server->addService(&impl);
    server->start();
    address = server->listenAddress();
  });

  muduo::net::EventLoopThread clientThread;
  {
    muduo::rpc::RpcChannel channel(clientThread.startLoop(), address);
    channel.connect();
    Greeter::Stub stub(&channel);
    HelloRequest request;
    request.set_name("world");
    HelloReply reply;
    const absl::Status status = stub.SayHello(request, &reply);
    ASSERT_TRUE(status.ok()) << status;
    EXPECT_EQ(reply.message(), "hello, world");
  }
  runAndWait(serverLoop, [&] { server.reset(); });
}

}  // namespace
}  // namespace external::greeter
