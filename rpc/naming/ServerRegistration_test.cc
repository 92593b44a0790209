// ServerRegistration: its flags' checks, and the order a graceful shutdown
// needs: the node is gone before the server starts draining.
#include "rpc/naming/ServerRegistration.h"

#include <gtest/gtest.h>
#include <zookeeper/zookeeper.h>

#include <thread>

#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "rpc/RpcServer.h"
#include "rpc/naming/testing/Inbox.h"
#include "rpc/naming/testing/ZooKeeperServer.h"

namespace muduo::rpc::naming {
namespace {

using testing::Inbox;
using Config = ServerRegistration::Config;

const net::InetAddress kLoopback("127.0.0.1", 9091);
const net::InetAddress kWildcard("0.0.0.0", 9091);

TEST(ServerRegistrationConfigTest, WithoutAUrlItDoesNothingAndRunsThenAtOnce) {
  auto registration = ServerRegistration::fromConfig(Config{}, kWildcard);
  ASSERT_TRUE(registration.ok());
  EXPECT_FALSE((*registration)->enabled());
  (*registration)->start();
  bool ran = false;
  (*registration)->deregisterThen(nullptr, [&] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST(ServerRegistrationConfigTest, AdvertisesTheListenAddressOrWhatItIsTold) {
  const std::string url = "zk://127.0.0.1:1/services/x";
  auto plain = ServerRegistration::fromConfig(Config{url, 3, "zone=a,v=2", ""}, kLoopback);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ((*plain)->endpoint().address.toIpPort(), "127.0.0.1:9091");
  EXPECT_EQ((*plain)->endpoint().weight, 3u);
  EXPECT_EQ((*plain)->endpoint().metadata.at("v"), "2");
  auto hostOnly = ServerRegistration::fromConfig(Config{url, 1, "", "10.1.2.3"}, kWildcard);
  ASSERT_TRUE(hostOnly.ok()) << hostOnly.status();
  EXPECT_EQ((*hostOnly)->endpoint().address.toIpPort(), "10.1.2.3:9091");
  auto withPort = ServerRegistration::fromConfig(Config{url, 1, "", "[::1]:80"}, kWildcard);
  ASSERT_TRUE(withPort.ok()) << withPort.status();
  EXPECT_EQ((*withPort)->endpoint().address.toIpPort(), "[::1]:80");
}

TEST(ServerRegistrationConfigTest, RefusesWhatCannotWorkNamingTheFlag) {
  const std::string url = "zk://127.0.0.1:1/services/x";
  const std::pair<Config, std::string> cases[] = {
      {Config{url, 1, "", ""}, "--advertise"},  // wildcard listen address
      {Config{url, 1, "", "0.0.0.0"}, "wildcard"},
      {Config{url, -1, "", "1.2.3.4"}, "--register_weight"},
      {Config{url, 1000001, "", "1.2.3.4"}, "--register_weight"},
      {Config{url, 1, "novalue", "1.2.3.4"}, "--register_metadata"},
      {Config{url, 1, "a=1,a=2", "1.2.3.4"}, "twice"},
      {Config{url, 1, "bad name=1", "1.2.3.4"}, "metadata name"},
      {Config{"list://1.2.3.4:5", 1, "", "1.2.3.4"}, "--register"},
      {Config{"zk://127.0.0.1:1/", 1, "", "1.2.3.4"}, "--register"},
  };
  for (const auto& [config, needle] : cases) {
    absl::Status status = ServerRegistration::fromConfig(config, kWildcard).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << needle;
    EXPECT_NE(status.message().find(needle), std::string_view::npos) << status;
  }
}

TEST(ServerRegistrationTest, AGracefulShutdownDeregistersBeforeTheServerDrains) {
  testing::ZooKeeperServer zk;
  ASSERT_TRUE(zk.start().ok());
  net::EventLoopThread thread;
  net::EventLoop* loop = thread.startLoop();
  std::unique_ptr<RpcServer> server;
  std::unique_ptr<ServerRegistration> registration;
  Inbox<bool> started;
  loop->runInLoop([&] {
    server = std::make_unique<RpcServer>(loop, net::InetAddress(uint16_t{0}, true));
    server->start();
    registration = *ServerRegistration::fromConfig(
        Config{"zk://" + zk.connectString() + "/services/ordered", 1, "", ""},
        server->listenAddress());
    registration->start();
    started.put(true);
  });
  ASSERT_TRUE(started.waitForAny());
  const auto deadline = std::chrono::steady_clock::now() + testing::kWait;
  while (registration->registrar()->nodePath().empty() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const std::string node = registration->registrar()->nodePath();
  ASSERT_FALSE(node.empty());

  // What echo_server's and kv_server's main() do on SIGTERM.
  Inbox<bool> drainingWhenDeregistered;
  Inbox<bool> drained;
  loop->runInLoop([&] {
    registration->deregisterThen(loop, [&] {
      drainingWhenDeregistered.put(server->draining());
      server->shutdown(std::chrono::seconds(1), [&] { drained.put(true); });
    });
  });
  ASSERT_TRUE(drainingWhenDeregistered.waitForAny());
  EXPECT_FALSE(drainingWhenDeregistered.last());
  ASSERT_TRUE(drained.waitForAny());

  // And the node really is gone (ZooKeeper confirmed it before `then`).
  auto reader = *ZkSession::get("localhost:" + std::to_string(zk.port()));
  Inbox<int> exists;
  reader->exists(node, false, [&](int rc) { exists.put(rc); });
  ASSERT_TRUE(exists.waitForAny());
  EXPECT_EQ(exists.last(), ZNONODE);

  Inbox<bool> destroyed;
  loop->runInLoop([&] {
    registration.reset();
    server.reset();
    destroyed.put(true);
  });
  ASSERT_TRUE(destroyed.waitForAny());
}

}  // namespace
}  // namespace muduo::rpc::naming
