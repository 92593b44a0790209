#include "rpc/testing/TestServer.h"

#include <chrono>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/net/EventLoop.h"

namespace muduo::rpc::testing {
namespace {

constexpr std::chrono::seconds kWait{10};

}  // namespace

TestServer::TestServer(const RpcServer::Options& options, uint16_t port)
    : loop_(thread_.startLoop()) {
  CountDownLatch started(1);
  loop_->runInLoop([&] {
    server_ = std::make_unique<RpcServer>(loop_, net::InetAddress(port, true), options);
    server_->addService(&service_);
    server_->start();
    address_ = server_->listenAddress();
    started.countDown();
  });
  EXPECT_TRUE(started.waitFor(kWait));
}

TestServer::~TestServer() { stop(); }

int64_t TestServer::stop() {
  CountDownLatch stopped(1);
  int64_t inFlight = 0;
  loop_->runInLoop([&] {
    if (server_ != nullptr) {
      server_.reset();
      inFlight = service_.callsReceived() - service_.echoAnswered();
    }
    stopped.countDown();
  });
  EXPECT_TRUE(stopped.waitFor(kWait));
  return inFlight;
}

}  // namespace muduo::rpc::testing
