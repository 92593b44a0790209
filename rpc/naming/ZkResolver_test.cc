// ZkResolver against a real ZooKeeper: servers appearing and vanishing, bad
// data skipped, watches re-armed after a session expiry, and the last list
// kept (and said so) while ZooKeeper is down.
#include "rpc/naming/ZkResolver.h"

#include <gtest/gtest.h>
#include <zookeeper/zookeeper.h>

#include <thread>

#include "rpc/naming/EndpointFormat.h"
#include "rpc/naming/Naming.h"
#include "rpc/naming/testing/ExpireSession.h"
#include "rpc/naming/testing/Inbox.h"
#include "rpc/naming/testing/LogCapture.h"
#include "rpc/naming/testing/ResolverProbe.h"
#include "rpc/naming/testing/ZooKeeperTest.h"

namespace muduo::rpc::naming {
namespace {

using testing::Inbox;
using testing::ResolverProbe;
using Pushed = ResolverProbe::Pushed;

class ZkResolverTest : public testing::ZooKeeperTest {
 protected:
  void SetUp() override {
    // The writer has a session of its own ("localhost:" rather than
    // "127.0.0.1:"), so expiring the resolver's leaves the writer's nodes.
    ZkSession::Options options;
    options.sessionTimeout = std::chrono::milliseconds(3000);
    writer_ = *ZkSession::get("localhost:" + std::to_string(zk_->port()), options);
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

  std::shared_ptr<ZkSession> writer_;
};

TEST_F(ZkResolverTest, AnAbsentPathIsAnEmptyListUntilServersRegisterAndVanish) {
  ResolverProbe probe(url("/services/late"));
  ASSERT_TRUE(probe.waitForPorts({}));

  ASSERT_EQ(write("/services", "", ZOO_PERSISTENT), ZOK);
  ASSERT_EQ(write("/services/late", "", ZOO_PERSISTENT), ZOK);
  ASSERT_EQ(write("/services/late/a", endpoint("127.0.0.1", 7001, 3)), ZOK);
  ASSERT_TRUE(probe.waitForPorts({7001}));
  const Endpoint first = probe.pushed().last()->front();
  EXPECT_EQ(first.address.toIpPort(), "127.0.0.1:7001");
  EXPECT_EQ(first.weight, 3u);
  EXPECT_EQ(first.metadata.at("zone"), "a");

  ASSERT_EQ(write("/services/late/b", endpoint("127.0.0.1", 7002)), ZOK);
  ASSERT_TRUE(probe.waitForPorts({7001, 7002}));
  ASSERT_EQ(remove("/services/late/a"), ZOK);
  ASSERT_TRUE(probe.waitForPorts({7002}));
  // Every push is a whole list, and no list is pushed twice in a row.
  const std::vector<Pushed> all = probe.pushed().values();
  for (size_t i = 1; i < all.size(); ++i) EXPECT_FALSE(*all[i] == *all[i - 1]);
}

TEST_F(ZkResolverTest, AChildWithBadDataIsSkippedWithAWarningNamingIt) {
  testing::LogCapture log;
  ASSERT_EQ(write("/bad", "", ZOO_PERSISTENT), ZOK);
  ASSERT_EQ(write("/bad/good", endpoint("127.0.0.1", 7101)), ZOK);
  ASSERT_EQ(write("/bad/garbage", "address=127.0.0.1:1\n"), ZOK);  // no header line
  ASSERT_EQ(write("/bad/empty", ""), ZOK);
  ResolverProbe probe(url("/bad"));
  ASSERT_TRUE(probe.waitForPorts({7101}));
  EXPECT_EQ(log.count("skipping /bad/garbage"), 1) << log.text();
  EXPECT_EQ(log.count("skipping /bad/empty"), 1);
  // A change elsewhere re-reads everything; the same bad data is not warned
  // about again.
  ASSERT_EQ(write("/bad/second", endpoint("127.0.0.1", 7102)), ZOK);
  ASSERT_TRUE(probe.waitForPorts({7101, 7102}));
  EXPECT_EQ(log.count("skipping /bad/garbage"), 1);
}

TEST_F(ZkResolverTest, WatchesAreReArmedAfterTheSessionExpires) {
  ASSERT_EQ(write("/expiring", "", ZOO_PERSISTENT), ZOK);
  ASSERT_EQ(write("/expiring/a", endpoint("127.0.0.1", 7201)), ZOK);
  ResolverProbe probe(url("/expiring"));
  ASSERT_TRUE(probe.waitForPorts({7201}));

  auto session = *ZkSession::get(zk_->connectString());
  Inbox<ZkSession::Event> events;
  const uint64_t listener = session->addSessionListener([&](ZkSession::Event e) { events.put(e); });
  ASSERT_TRUE(testing::expireAndWait(session));
  ASSERT_TRUE(events.waitFor([](auto& v) {
    return testing::contains(v, ZkSession::Event::kExpired) &&
           v.back() == ZkSession::Event::kConnected;
  }));
  // Only a watch armed by the new session can see this.
  ASSERT_EQ(write("/expiring/b", endpoint("127.0.0.1", 7202)), ZOK);
  ASSERT_TRUE(probe.waitForPorts({7201, 7202}));
  for (const Pushed& p : probe.pushed().values()) EXPECT_TRUE(p.ok());
  session->removeSessionListener(listener);
}

TEST_F(ZkResolverTest, ZooKeeperDownKeepsAndLogsTheLastListThenPicksUpChangesAfterRestart) {
  testing::LogCapture log;
  ASSERT_EQ(write("/outage", "", ZOO_PERSISTENT), ZOK);
  ASSERT_EQ(write("/outage/a", endpoint("127.0.0.1", 7301), ZOO_PERSISTENT), ZOK);
  ResolverProbe probe(url("/outage"));
  ASSERT_TRUE(probe.waitForPorts({7301}));
  const size_t before = probe.pushed().size();

  zk_->stop();
  ASSERT_TRUE(
      log.waitFor("ZooKeeper unreachable; keeping the last list of 1 endpoint(s): "
                  "127.0.0.1:7301"));
  ASSERT_TRUE(zk_->restart().ok());
  ASSERT_TRUE(log.waitFor("ZooKeeper reachable again"));
  EXPECT_EQ(log.count("ZooKeeper unreachable"), 1);  // once per outage
  // Nothing was pushed during the outage: the last list stood.
  EXPECT_EQ(probe.pushed().size(), before);

  ASSERT_EQ(write("/outage/b", endpoint("127.0.0.1", 7302)), ZOK);
  ASSERT_TRUE(probe.waitForPorts({7301, 7302}));
}

TEST_F(ZkResolverTest, NoZooKeeperAtAllPushesUnavailableOnceThenNothing) {
  // A port nothing listens on: the fixture's own, on another loopback address.
  ResolverProbe probe("zk://127.0.0.2:" + std::to_string(zk_->port()) +
                      "/x?session_timeout_ms=500");
  ASSERT_TRUE(probe.status().ok());
  ASSERT_TRUE(probe.pushed().waitForAny());
  const Pushed first = probe.pushed().last();
  EXPECT_EQ(first.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(first.status().message().find("zk://127.0.0.2"), std::string_view::npos);
  probe.stop();
  EXPECT_EQ(probe.pushed().size(), 1u);
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
