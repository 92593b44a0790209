#include "rpc/testing/TestServer.h"

#include <chrono>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/net/EventLoop.h"

namespace muduo::rpc::testing {
namespace {

constexpr std::chrono::seconds kWait{10};

}  // namespace

TestServer::TestServer(const RpcServer::Options& options) : loop_(thread_.startLoop()) {
  CountDownLatch started(1);
  loop_->runInLoop([&] {
    server_ = std::make_unique<RpcServer>(loop_, net::InetAddress(0, true), options);
    server_->addService(&service_);
    server_->start();
    address_ = server_->listenAddress();
    started.countDown();
  });
  EXPECT_TRUE(started.waitFor(kWait));
}

TestServer::~TestServer() {
  CountDownLatch stopped(1);
  loop_->runInLoop([&] {
    server_.reset();
    stopped.countDown();
  });
  EXPECT_TRUE(stopped.waitFor(kWait));
}

}  // namespace muduo::rpc::testing
