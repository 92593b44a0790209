// ZkRegistrar against a real ZooKeeper: an ephemeral sequential node with
// the endpoint's data under parents it creates; registered again after a
// session expiry or a deletion; deregistration that deletes before it
// reports; a bound on waiting for a ZooKeeper that is down.
#include "rpc/naming/ZkRegistrar.h"

#include <gtest/gtest.h>
#include <zookeeper/zookeeper.h>

#include <regex>
#include <thread>

#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "rpc/naming/EndpointFormat.h"
#include "rpc/naming/testing/ExpireSession.h"
#include "rpc/naming/testing/Inbox.h"
#include "rpc/naming/testing/ZooKeeperTest.h"

namespace muduo::rpc::naming {
namespace {

using testing::Inbox;

class ZkRegistrarTest : public testing::ZooKeeperTest {
 protected:
  void SetUp() override {
    ZkSession::Options options;
    options.sessionTimeout = std::chrono::milliseconds(3000);
    reader_ = *ZkSession::get("localhost:" + std::to_string(zk_->port()), options);
    loop_ = loopThread_.startLoop();
  }

  static std::string url(const std::string& path) {
    return "zk://" + zk_->connectString() + path + "?session_timeout_ms=2000";
  }
  static Endpoint endpoint(uint16_t port) {
    return Endpoint{net::InetAddress("127.0.0.1", port), 5, {{"zone", "z1"}}};
  }

  std::vector<std::string> children(const std::string& path) {
    Inbox<std::vector<std::string>> result;
    reader_->getChildren(path, false, [&](int rc, std::vector<std::string> names) {
      result.put(rc == ZOK ? names : std::vector<std::string>{"<" + std::string(zerror(rc)) + ">"});
    });
    EXPECT_TRUE(result.waitForAny());
    return result.last();
  }
  std::string data(const std::string& path) {
    Inbox<std::string> result;
    reader_->getData(path, false, [&](int rc, std::string bytes) { result.put(bytes); });
    EXPECT_TRUE(result.waitForAny());
    return result.last();
  }
  int exists(const std::string& path) {
    Inbox<int> rc;
    reader_->exists(path, false, [&](int code) { rc.put(code); });
    EXPECT_TRUE(rc.waitForAny());
    return rc.last();
  }
  // Polls a value the registrar sets in the ZooKeeper loop; bounded.
  template <typename Pred>
  static bool eventually(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + testing::kWait;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }
  absl::Status deregister(ZkRegistrar& registrar, std::chrono::milliseconds timeout) {
    Inbox<absl::Status> done;
    registrar.deregister(loop_, timeout, [&](absl::Status status) {
      EXPECT_TRUE(loop_->isInLoopThread());
      done.put(status);
    });
    EXPECT_TRUE(done.waitForAny());
    return done.last();
  }

  std::shared_ptr<ZkSession> reader_;
  net::EventLoopThread loopThread_;
  net::EventLoop* loop_ = nullptr;
};

TEST_F(ZkRegistrarTest, RegistersAnEphemeralSequentialNodeWithItsDataCreatingTheParents) {
  auto registrar = *ZkRegistrar::create(url("/deep/down/svc"), endpoint(8001));
  registrar->start();
  ASSERT_TRUE(eventually([&] { return !registrar->nodePath().empty(); }));
  const std::string path = registrar->nodePath();
  EXPECT_TRUE(std::regex_match(path, std::regex("/deep/down/svc/endpoint-[0-9a-f]{16}-[0-9]{10}")))
      << path;
  EXPECT_EQ(children("/deep/down/svc").size(), 1u);
  absl::StatusOr<Endpoint> stored = parseEndpoint(data(path));
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE(*stored == endpoint(8001));
  EXPECT_EQ(registrar->registrations(), 1);

  // A second server under the same path gets its own node.
  auto second = *ZkRegistrar::create(url("/deep/down/svc"), endpoint(8002));
  second->start();
  ASSERT_TRUE(eventually([&] { return !second->nodePath().empty(); }));
  EXPECT_EQ(children("/deep/down/svc").size(), 2u);
}

TEST_F(ZkRegistrarTest, RegistersAgainAfterTheSessionExpires) {
  auto registrar = *ZkRegistrar::create(url("/expiry"), endpoint(8101));
  registrar->start();
  ASSERT_TRUE(eventually([&] { return !registrar->nodePath().empty(); }));
  const std::string before = registrar->nodePath();

  ASSERT_TRUE(testing::expireAndWait(*ZkSession::get(zk_->connectString())));
  ASSERT_TRUE(eventually([&] { return registrar->registrations() == 2; }));
  const std::string after = registrar->nodePath();
  EXPECT_NE(after, before);
  // Exactly one node: the old one went with its session.
  EXPECT_EQ(children("/expiry"), std::vector<std::string>{after.substr(after.rfind('/') + 1)});
}

TEST_F(ZkRegistrarTest, ANodeDeletedByHandIsCreatedAgain) {
  auto registrar = *ZkRegistrar::create(url("/deleted"), endpoint(8201));
  registrar->start();
  ASSERT_TRUE(eventually([&] { return !registrar->nodePath().empty(); }));
  Inbox<int> removed;
  reader_->remove(registrar->nodePath(), [&](int rc) { removed.put(rc); });
  ASSERT_TRUE(removed.waitForAny());
  ASSERT_EQ(removed.last(), ZOK);
  ASSERT_TRUE(eventually([&] { return registrar->registrations() == 2; }));
  EXPECT_EQ(children("/deleted").size(), 1u);
}

TEST_F(ZkRegistrarTest, DeregisterDeletesTheNodeBeforeItReportsAndStopsRegistering) {
  auto registrar = *ZkRegistrar::create(url("/leaving"), endpoint(8301));
  registrar->start();
  ASSERT_TRUE(eventually([&] { return !registrar->nodePath().empty(); }));
  const std::string path = registrar->nodePath();
  EXPECT_TRUE(deregister(*registrar, std::chrono::seconds(10)).ok());
  EXPECT_EQ(exists(path), ZNONODE);
  EXPECT_TRUE(registrar->nodePath().empty());
  EXPECT_TRUE(children("/leaving").empty());
  // A second deregister has nothing to do.
  EXPECT_TRUE(deregister(*registrar, std::chrono::seconds(10)).ok());
}

TEST_F(ZkRegistrarTest, DestroyingTheRegistrarRemovesItsNode) {
  auto registrar = *ZkRegistrar::create(url("/dropped"), endpoint(8401));
  registrar->start();
  ASSERT_TRUE(eventually([&] { return !registrar->nodePath().empty(); }));
  // The session stays open (the reader's is another; hold this one).
  auto session = *ZkSession::get(zk_->connectString());
  registrar.reset();
  ASSERT_TRUE(eventually([&] { return children("/dropped").empty(); }));
}

// Last: it stops ZooKeeper.
TEST_F(ZkRegistrarTest, DeregisterDoesNotWaitForAZooKeeperThatIsDown) {
  auto registrar = *ZkRegistrar::create(url("/down"), endpoint(8501));
  registrar->start();
  ASSERT_TRUE(eventually([&] { return !registrar->nodePath().empty(); }));
  zk_->stop();
  // The client fails the delete at once (connection loss, UNAVAILABLE) or
  // it waits for a reconnect and the timeout ends the wait
  // (DEADLINE_EXCEEDED); either way the server goes on to drain.
  const absl::Status status = deregister(*registrar, std::chrono::milliseconds(300));
  EXPECT_TRUE(status.code() == absl::StatusCode::kUnavailable ||
              status.code() == absl::StatusCode::kDeadlineExceeded)
      << status;
  ASSERT_TRUE(zk_->restart().ok());
}

}  // namespace
}  // namespace muduo::rpc::naming
