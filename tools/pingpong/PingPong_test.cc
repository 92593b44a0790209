#include <chrono>
#include <memory>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "tools/pingpong/PingPongClient.h"
#include "tools/pingpong/PingPongServer.h"

namespace pingpong {
namespace {

using muduo::net::EventLoop;
using muduo::net::InetAddress;

TEST(PingPongTest, EverySessionEchoesAndTheClientCountsWhatItRead) {
  muduo::net::EventLoopThread serverThread;
  EventLoop* serverLoop = serverThread.startLoop();
  std::unique_ptr<PingPongServer> server;
  muduo::CountDownLatch started(1);
  serverLoop->runInLoop([&] {
    server = std::make_unique<PingPongServer>(serverLoop, InetAddress(0, true), 1);
    server->start();
    started.countDown();
  });
  started.wait();

  EventLoop loop;
  PingPongClient::Options options;
  options.threads = 2;
  options.blockSize = 4096;
  options.sessions = 10;
  options.duration = std::chrono::milliseconds(200);
  PingPongResult result;
  {
    PingPongClient client(&loop, server->listenAddress(), options);
    result = client.run();
  }
  EXPECT_GT(result.seconds, 0.15);
  EXPECT_GT(result.messagesRead, 0);
  // Every byte read was a byte of some session's block echoed back.
  EXPECT_GE(result.bytesRead, static_cast<int64_t>(options.blockSize) * options.sessions);

  muduo::CountDownLatch destroyed(1);
  serverLoop->runInLoop([&] {
    server.reset();
    destroyed.countDown();
  });
  destroyed.wait();
}

}  // namespace
}  // namespace pingpong
