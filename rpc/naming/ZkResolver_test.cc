// ZkResolver against a real ZooKeeper: servers appearing and vanishing, bad
// data skipped, watches re-armed after a session expiry, and the last list
// kept (and said so) while ZooKeeper is down.
#include "rpc/naming/ZkResolver.h"

#include <gtest/gtest.h>
#include <zookeeper/zookeeper.h>

#include <thread>

#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "rpc/naming/EndpointFormat.h"
#include "rpc/naming/Naming.h"
#include "rpc/naming/testing/Inbox.h"
#include "rpc/naming/testing/LogCapture.h"
#include "rpc/naming/testing/ZooKeeperServer.h"

namespace muduo::rpc::naming {
namespace {

using testing::Inbox;
using Pushed = absl::StatusOr<EndpointList>;

class ZkResolverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    zk_ = new testing::ZooKeeperServer();
    ASSERT_TRUE(zk_->start().ok());
  }
  static void TearDownTestSuite() {
    delete zk_;
    zk_ = nullptr;
  }

  void SetUp() override {
    // The writer has a session of its own ("localhost:" rather than
    // "127.0.0.1:"), so expiring the resolver's leaves the writer's nodes.
    ZkSession::Options options;
    options.sessionTimeout = std::chrono::milliseconds(3000);
    writer_ = *ZkSession::get("localhost:" + std::to_string(zk_->port()), options);
    loop_ = loopThread_.startLoop();
  }

  // The resolver's URL for `path`, with a short session.
  static std::string url(const std::string& path) {
    return "zk://" + zk_->connectString() + path + "?session_timeout_ms=2000";
  }

  // Retries while the writer reconnects (after a ZooKeeper restart); a
  // retried create that finds its node made it the first time.
  int write(const std::string& path, const std::string& data, int flags = ZOO_EPHEMERAL) {
    for (int attempt = 0;; ++attempt) {
      Inbox<int> rc;
      writer_->create(path, data, flags, [&](int code, std::string) { rc.put(code); });
      EXPECT_TRUE(rc.waitForAny());
      const int code = rc.last();
      if (code == ZNODEEXISTS && attempt > 0) return ZOK;
      if ((code != ZCONNECTIONLOSS && code != ZOPERATIONTIMEOUT) || attempt == 50) return code;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  int remove(const std::string& path) {
    Inbox<int> rc;
    writer_->remove(path, [&](int code) { rc.put(code); });
    EXPECT_TRUE(rc.waitForAny());
    return rc.last();
  }
  static std::string endpoint(const std::string& ip, uint16_t port, uint32_t weight = 1) {
    return *encodeEndpoint(Endpoint{net::InetAddress(ip, port), weight, {{"zone", "a"}}});
  }

  std::unique_ptr<Resolver> start(const std::string& path, Inbox<Pushed>* pushed) {
    auto resolver = makeResolver(url(path));
    EXPECT_TRUE(resolver.ok()) << resolver.status();
    loop_->runInLoop([this, pushed, r = resolver->get()] {
      r->start(loop_, [pushed](const Pushed& endpoints) { pushed->put(endpoints); });
    });
    return std::move(*resolver);
  }
  void stop(std::unique_ptr<Resolver> resolver) {
    Inbox<bool> done;
    loop_->runInLoop([&] {
      resolver->stop();
      resolver.reset();
      done.put(true);
    });
    ASSERT_TRUE(done.waitForAny());
  }

  static bool lastHasPorts(const std::vector<Pushed>& pushes, std::vector<uint16_t> ports) {
    if (pushes.empty() || !pushes.back().ok()) return false;
    std::vector<uint16_t> seen;
    for (const Endpoint& e : *pushes.back()) seen.push_back(e.address.port());
    return seen == ports;
  }

  static testing::ZooKeeperServer* zk_;
  std::shared_ptr<ZkSession> writer_;
  net::EventLoopThread loopThread_;
  net::EventLoop* loop_ = nullptr;
};

testing::ZooKeeperServer* ZkResolverTest::zk_ = nullptr;

TEST_F(ZkResolverTest, AnAbsentPathIsAnEmptyListUntilServersRegisterAndVanish) {
  Inbox<Pushed> pushed;
  auto resolver = start("/services/late", &pushed);
  ASSERT_TRUE(pushed.waitForAny());
  ASSERT_TRUE(pushed.last().ok()) << pushed.last().status();
  EXPECT_TRUE(pushed.last()->empty());

  ASSERT_EQ(write("/services", "", ZOO_PERSISTENT), ZOK);
  ASSERT_EQ(write("/services/late", "", ZOO_PERSISTENT), ZOK);
  ASSERT_EQ(write("/services/late/a", endpoint("127.0.0.1", 7001, 3)), ZOK);
  ASSERT_TRUE(pushed.waitFor([](auto& v) { return lastHasPorts(v, {7001}); }));
  const Endpoint first = pushed.last()->front();
  EXPECT_EQ(first.address.toIpPort(), "127.0.0.1:7001");
  EXPECT_EQ(first.weight, 3u);
  EXPECT_EQ(first.metadata.at("zone"), "a");

  ASSERT_EQ(write("/services/late/b", endpoint("127.0.0.1", 7002)), ZOK);
  ASSERT_TRUE(pushed.waitFor([](auto& v) { return lastHasPorts(v, {7001, 7002}); }));
  ASSERT_EQ(remove("/services/late/a"), ZOK);
  ASSERT_TRUE(pushed.waitFor([](auto& v) { return lastHasPorts(v, {7002}); }));
  // Every push is a whole list, and no list is pushed twice in a row.
  const std::vector<Pushed> all = pushed.values();
  for (size_t i = 1; i < all.size(); ++i) EXPECT_FALSE(*all[i] == *all[i - 1]);
  stop(std::move(resolver));
}

TEST_F(ZkResolverTest, AChildWithBadDataIsSkippedWithAWarningNamingIt) {
  testing::LogCapture log;
  ASSERT_EQ(write("/bad", "", ZOO_PERSISTENT), ZOK);
  ASSERT_EQ(write("/bad/good", endpoint("127.0.0.1", 7101)), ZOK);
  ASSERT_EQ(write("/bad/garbage", "address=127.0.0.1:1\n"), ZOK);  // no header line
  ASSERT_EQ(write("/bad/empty", ""), ZOK);
  Inbox<Pushed> pushed;
  auto resolver = start("/bad", &pushed);
  ASSERT_TRUE(pushed.waitFor([](auto& v) { return lastHasPorts(v, {7101}); }));
  EXPECT_EQ(log.count("skipping /bad/garbage"), 1) << log.text();
  EXPECT_EQ(log.count("skipping /bad/empty"), 1);
  // A change elsewhere re-reads everything; the same bad data is not warned
  // about again.
  ASSERT_EQ(write("/bad/second", endpoint("127.0.0.1", 7102)), ZOK);
  ASSERT_TRUE(pushed.waitFor([](auto& v) { return lastHasPorts(v, {7101, 7102}); }));
  EXPECT_EQ(log.count("skipping /bad/garbage"), 1);
  stop(std::move(resolver));
}

TEST_F(ZkResolverTest, WatchesAreReArmedAfterTheSessionExpires) {
  ASSERT_EQ(write("/expiring", "", ZOO_PERSISTENT), ZOK);
  ASSERT_EQ(write("/expiring/a", endpoint("127.0.0.1", 7201)), ZOK);
  Inbox<Pushed> pushed;
  auto resolver = start("/expiring", &pushed);
  ASSERT_TRUE(pushed.waitFor([](auto& v) { return lastHasPorts(v, {7201}); }));

  auto session = *ZkSession::get(zk_->connectString());
  Inbox<ZkSession::Event> events;
  const uint64_t listener = session->addSessionListener([&](ZkSession::Event e) { events.put(e); });
  const ZkSession::Credentials old = session->credentialsForTesting();
  ASSERT_TRUE(testing::expireSession(zk_->connectString(), old.id, old.password));
  ASSERT_TRUE(events.waitFor([](auto& v) {
    return testing::contains(v, ZkSession::Event::kExpired) &&
           v.back() == ZkSession::Event::kConnected;
  }));
  // Only a watch armed by the new session can see this.
  ASSERT_EQ(write("/expiring/b", endpoint("127.0.0.1", 7202)), ZOK);
  ASSERT_TRUE(pushed.waitFor([](auto& v) { return lastHasPorts(v, {7201, 7202}); }));
  for (const Pushed& p : pushed.values()) EXPECT_TRUE(p.ok());
  session->removeSessionListener(listener);
  stop(std::move(resolver));
}

TEST_F(ZkResolverTest, ZooKeeperDownKeepsAndLogsTheLastListThenPicksUpChangesAfterRestart) {
  testing::LogCapture log;
  ASSERT_EQ(write("/outage", "", ZOO_PERSISTENT), ZOK);
  ASSERT_EQ(write("/outage/a", endpoint("127.0.0.1", 7301), ZOO_PERSISTENT), ZOK);
  Inbox<Pushed> pushed;
  auto resolver = start("/outage", &pushed);
  ASSERT_TRUE(pushed.waitFor([](auto& v) { return lastHasPorts(v, {7301}); }));
  const size_t before = pushed.size();

  zk_->stop();
  ASSERT_TRUE(
      log.waitFor("ZooKeeper unreachable; keeping the last list of 1 endpoint(s): "
                  "127.0.0.1:7301"));
  ASSERT_TRUE(zk_->restart().ok());
  ASSERT_TRUE(log.waitFor("ZooKeeper reachable again"));
  EXPECT_EQ(log.count("ZooKeeper unreachable"), 1);  // once per outage
  // Nothing was pushed during the outage: the last list stood.
  EXPECT_EQ(pushed.size(), before);

  ASSERT_EQ(write("/outage/b", endpoint("127.0.0.1", 7302)), ZOK);
  ASSERT_TRUE(pushed.waitFor([](auto& v) { return lastHasPorts(v, {7301, 7302}); }));
  stop(std::move(resolver));
}

TEST_F(ZkResolverTest, NoZooKeeperAtAllPushesUnavailableOnceThenNothing) {
  Inbox<Pushed> pushed;
  // A port nothing listens on: the fixture's own, on another loopback address.
  auto resolver =
      makeResolver("zk://127.0.0.2:" + std::to_string(zk_->port()) + "/x?session_timeout_ms=500");
  ASSERT_TRUE(resolver.ok());
  loop_->runInLoop([&, r = resolver->get()] {
    r->start(loop_, [&](const Pushed& endpoints) { pushed.put(endpoints); });
  });
  ASSERT_TRUE(pushed.waitForAny());
  EXPECT_EQ(pushed.last().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(pushed.last().status().message().find("zk://127.0.0.2"), std::string_view::npos);
  stop(std::move(*resolver));
  EXPECT_EQ(pushed.size(), 1u);
}

TEST(ZkUrlTest, ParsesServersPathAndTimeoutAndRefusesTheRest) {
  absl::StatusOr<ZkUrl> url = parseZkUrl("10.0.0.1:2181,10.0.0.2:2181/services/kv");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->connectString, "10.0.0.1:2181,10.0.0.2:2181");
  EXPECT_EQ(url->path, "/services/kv");
  EXPECT_EQ(parseZkUrl("h:1/a?session_timeout_ms=1500")->options.sessionTimeout,
            std::chrono::milliseconds(1500));
  for (const char* bad : {"h:1", "h:1/", "/a", "h:1/a/", "h:1/a//b", "h:1/a/../b", "h:1/a?x=1",
                          "h:1/a?session_timeout_ms=5", "h:1/a?session_timeout_ms=1x"}) {
    EXPECT_EQ(parseZkUrl(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(makeResolver("zk://nonsense/a").ok());
}

}  // namespace
}  // namespace muduo::rpc::naming
