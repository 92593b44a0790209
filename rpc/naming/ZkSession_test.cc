// ZkSession against a real ZooKeeper: one session per connect string,
// callbacks only in the ZooKeeper loop, watches, and the three failures
// (connection loss, session expiry, a bad connect string).
#include "rpc/naming/ZkSession.h"

#include <gtest/gtest.h>
#include <zookeeper/zookeeper.h>

#include "muduo/net/EventLoop.h"
#include "rpc/naming/testing/ExpireSession.h"
#include "rpc/naming/testing/Inbox.h"
#include "rpc/naming/testing/ZooKeeperTest.h"

namespace muduo::rpc::naming {
namespace {

class ZkSessionTest : public testing::ZooKeeperTest {
 protected:
  static ZkSession::Options shortSession() {
    ZkSession::Options options;
    options.sessionTimeout = std::chrono::milliseconds(2000);
    return options;
  }
};

using testing::contains;
using testing::Inbox;

// Runs a request and waits for its rc.
int await(absl::AnyInvocable<void(ZkSession::DoneCallback)> request) {
  Inbox<int> rc;
  request([&rc](int code) { rc.put(code); });
  EXPECT_TRUE(rc.waitFor([](const std::vector<int>& v) { return !v.empty(); }));
  return rc.values().empty() ? ZSYSTEMERROR : rc.values()[0];
}

int createNode(ZkSession& session, const std::string& path, int flags = ZOO_PERSISTENT) {
  return await([&](ZkSession::DoneCallback done) {
    session.create(path, "", flags,
                   [done = std::move(done)](int rc, std::string) mutable { done(rc); });
  });
}

TEST_F(ZkSessionTest, OneSessionPerConnectStringWhileAnyoneHoldsIt) {
  auto a = ZkSession::get(zk_->connectString(), shortSession());
  auto b = ZkSession::get(zk_->connectString());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->get(), b->get());
  EXPECT_EQ((*b)->options().sessionTimeout, std::chrono::milliseconds(2000));
  auto other = ZkSession::get("localhost:" + std::to_string(zk_->port()));
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->get(), a->get());

  ZkSession* first = a->get();
  a->reset();
  b->reset();
  auto again = ZkSession::get(zk_->connectString());
  ASSERT_TRUE(again.ok());
  // A new object (the old one closed its session); only the id could tell,
  // so check it serves.
  EXPECT_EQ(createNode(**again, "/again"), ZOK);
  (void)first;
}

TEST_F(ZkSessionTest, RefusesAConnectStringThatIsNotHostPortPairs) {
  EXPECT_EQ(ZkSession::get("").status().code(), absl::StatusCode::kInvalidArgument);
  absl::Status status = ZkSession::get("127.0.0.1:2181,nonsense").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("nonsense"), std::string_view::npos) << status;
  EXPECT_FALSE(ZkSession::get("127.0.0.1:2181/chroot").ok());
}

TEST_F(ZkSessionTest, ChildWatchesFireInTheZooKeeperLoopForThePathAndItsChildren) {
  auto session = *ZkSession::get(zk_->connectString(), shortSession());
  ASSERT_EQ(createNode(*session, "/watched"), ZOK);
  Inbox<std::pair<int, std::string>> events;
  Inbox<bool> inLoop;
  const uint64_t watch = session->addWatch("/watched", [&](int type, const std::string& path) {
    inLoop.put(ZkSession::loop()->isInLoopThread());
    events.put({type, path});
  });
  Inbox<std::vector<std::string>> listed;
  session->getChildren("/watched", true, [&](int rc, std::vector<std::string> children) {
    EXPECT_EQ(rc, ZOK);
    listed.put(children);
  });
  ASSERT_TRUE(listed.waitFor([](auto& v) { return !v.empty(); }));
  EXPECT_TRUE(listed.values()[0].empty());

  ASSERT_EQ(createNode(*session, "/watched/child"), ZOK);
  ASSERT_TRUE(events.waitFor([](auto& v) { return !v.empty(); }));
  EXPECT_EQ(events.values()[0], std::make_pair(ZOO_CHILD_EVENT, std::string("/watched")));

  // A data watch on a child reaches the parent's subscriber too.
  Inbox<int> read;
  session->getData("/watched/child", true, [&](int rc, std::string) { read.put(rc); });
  ASSERT_TRUE(read.waitFor([](auto& v) { return !v.empty(); }));
  EXPECT_EQ(await([&](auto done) { session->remove("/watched/child", std::move(done)); }), ZOK);
  ASSERT_TRUE(events.waitFor([](auto& v) {
    return contains(v, std::make_pair(ZOO_DELETED_EVENT, std::string("/watched/child")));
  }));
  for (bool in : inLoop.values()) EXPECT_TRUE(in);
  session->removeWatch(watch);
}

TEST_F(ZkSessionTest, RequestsOnAMissingNodeSayNoNode) {
  auto session = *ZkSession::get(zk_->connectString(), shortSession());
  EXPECT_EQ(await([&](auto done) { session->exists("/absent", false, std::move(done)); }), ZNONODE);
  Inbox<int> rc;
  session->getChildren("/absent", false, [&](int code, std::vector<std::string>) { rc.put(code); });
  ASSERT_TRUE(rc.waitFor([](auto& v) { return !v.empty(); }));
  EXPECT_EQ(rc.values()[0], ZNONODE);
}

TEST_F(ZkSessionTest, AnExpiredSessionIsReplacedAndListenersHearBoth) {
  auto session = *ZkSession::get(zk_->connectString(), shortSession());
  ASSERT_EQ(createNode(*session, "/expiry"), ZOK);  // connected by now
  Inbox<ZkSession::Event> events;
  const uint64_t listener = session->addSessionListener([&](ZkSession::Event e) { events.put(e); });
  ASSERT_EQ(createNode(*session, "/expiry/mine", ZOO_EPHEMERAL), ZOK);

  const ZkSession::Credentials before = session->credentialsForTesting();
  ASSERT_NE(before.id, 0);
  ASSERT_TRUE(testing::expireAndWait(session));
  ASSERT_TRUE(events.waitFor([](auto& v) {
    return contains(v, ZkSession::Event::kExpired) && v.back() == ZkSession::Event::kConnected;
  }));
  const ZkSession::Credentials after = session->credentialsForTesting();
  EXPECT_NE(after.id, 0);
  EXPECT_NE(after.id, before.id);
  // The old session's ephemeral node went with it; the new session works.
  EXPECT_EQ(await([&](auto done) { session->exists("/expiry/mine", false, std::move(done)); }),
            ZNONODE);
  EXPECT_EQ(createNode(*session, "/expiry/mine", ZOO_EPHEMERAL), ZOK);
  session->removeSessionListener(listener);
}

TEST_F(ZkSessionTest, AServerRestartWithinTheTimeoutKeepsTheSession) {
  // A session outlives a restart however long the JVM takes to come back:
  // a restarted server gives every session it loads a fresh timeout. (The
  // client's reconnect back-off grows with the timeout, so a short one keeps
  // the test short.)
  ZkSession::Options options;
  options.sessionTimeout = std::chrono::milliseconds(3000);
  // Its own connect string, so this session's timeout is its own.
  auto session = *ZkSession::get("localhost:" + std::to_string(zk_->port()), options);
  ASSERT_EQ(createNode(*session, "/restart", ZOO_EPHEMERAL), ZOK);
  Inbox<ZkSession::Event> events;
  const uint64_t listener = session->addSessionListener([&](ZkSession::Event e) { events.put(e); });
  const int64_t id = session->credentialsForTesting().id;

  zk_->stop();
  ASSERT_TRUE(events.waitFor([](auto& v) { return contains(v, ZkSession::Event::kDisconnected); }));
  ASSERT_TRUE(zk_->restart().ok());
  ASSERT_TRUE(events.waitFor([](auto& v) { return v.back() == ZkSession::Event::kConnected; }));
  EXPECT_FALSE(contains(events.values(), ZkSession::Event::kExpired));
  EXPECT_EQ(session->credentialsForTesting().id, id);
  EXPECT_EQ(await([&](auto done) { session->exists("/restart", false, std::move(done)); }), ZOK);
  session->removeSessionListener(listener);
}

}  // namespace
}  // namespace muduo::rpc::naming
