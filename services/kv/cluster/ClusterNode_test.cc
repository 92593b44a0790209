// One cluster node in process: a Store, its ClusterState, the MRPC service
// (KvServiceImpl + ClusterAdminServiceImpl) and the RESP server sharing its
// loops, as kv_server wires them. Redirects in both protocols, CROSSSLOT,
// the CLUSTER commands, and the node's half of a slot move.
#include <future>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/EventLoopThreadPool.h"
#include "rpc/RpcChannel.h"
#include "rpc/RpcServer.h"
#include "rpc/gateway/RpcHttpGateway.h"
#include "services/kv/KvServiceImpl.h"
#include "services/kv/RespServer.h"
#include "services/kv/Store.h"
#include "services/kv/cluster/ClusterAdminServiceImpl.h"
#include "services/kv/cluster/ClusterState.h"
#include "services/kv/testing/RespRawClient.h"
#include "services/kv/testing/TestLog.h"

namespace muduo::kv::cluster {
namespace {

using namespace std::chrono_literals;
using resp_test::RespRawClient;

// Node "a" serves 0-8191 ("bar" 5061, "hello" 866); "b" (not running)
// 8192-16383 ("foo" 12182).
SlotMap twoNodes(uint64_t epoch) {
  SlotMap map;
  map.setEpoch(epoch);
  map.addNode({"a", "127.0.0.1:1", "127.0.0.1:2"});
  map.addNode({"b", "127.0.0.1:9092", "127.0.0.1:6382"});
  map.assign(0, 8191, 0);
  map.assign(8192, 16383, 1);
  return map;
}

std::string command(std::initializer_list<std::string_view> args) {
  std::string out = absl::StrCat("*", args.size(), "\r\n");
  for (std::string_view a : args)
    absl::StrAppend(&out, "$", a.size(), "\r\n", std::string(a), "\r\n");
  return out;
}

std::string tryAgain(std::string_view key) {
  return absl::StrCat("-TRYAGAIN slot ", keySlot(key),
                      " is being moved; writes resume in a moment\r\n");
}

class ClusterNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = testing::openTestStore("cluster_node", SyncMode::kAlways, &dir_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    state_ = std::make_unique<ClusterState>("a");
    ASSERT_TRUE(state_->setMap(twoNodes(1)).ok());
    service_ = std::make_unique<KvServiceImpl>(store_.get());
    service_->setCluster(state_.get());
    admin_ = std::make_unique<ClusterAdminServiceImpl>(store_.get(), state_.get(),
                                                       [this] { return loops_; });
    loop_ = serverThread_.startLoop();
    run(loop_, [this] {
      rpc::RpcServer::Options options;
      options.ioThreads = 2;
      server_ = std::make_unique<rpc::RpcServer>(loop_, net::InetAddress(0, true), options);
      server_->addService(service_.get());
      server_->addService(admin_.get());
      server_->setStatusText([this] { return state_->describe(); });
      server_->addProtocol(std::make_unique<rpc::RpcHttpGateway>(server_.get()));
      server_->start();
      loops_ = server_->threadPool()->getAllLoops();
      RespServerState::Options respOptions;
      respOptions.cluster = state_.get();
      resp_ = std::make_unique<RespServer>(loop_, net::InetAddress(0, true), store_.get(),
                                           RespServer::defaultConnectionOptions(), respOptions);
      resp_->setThreadPool(server_->threadPool());
      resp_->start();
    });
    clientLoop_ = clientThread_.startLoop();
    channel_ = std::make_unique<rpc::RpcChannel>(clientLoop_, server_->listenAddress());
    channel_->connect();
    kv_ = std::make_unique<KvService::Stub>(channel_.get());
    adminStub_ = std::make_unique<KvClusterAdmin::Stub>(channel_.get());
  }

  void TearDown() override {
    kv_.reset();
    adminStub_.reset();
    channel_.reset();
    run(loop_, [this] {
      resp_.reset();
      server_.reset();
    });
    store_.reset();
  }

  template <typename F>
  static void run(net::EventLoop* loop, F f) {
    std::promise<void> ran;
    loop->runInLoop([&] {
      f();
      ran.set_value();
    });
    ASSERT_EQ(ran.get_future().wait_for(10s), std::future_status::ready);
  }

  absl::Status put(const std::string& key, const std::string& value) {
    PutRequest request;
    request.set_key(key);
    request.set_value(value);
    PutResponse response;
    return kv_->Put(request, &response);
  }

  absl::Status block(int slot, bool on) {
    SlotRequest request;
    request.set_slot(static_cast<uint32_t>(slot));
    SlotResponse response;
    return on ? adminStub_->BlockSlot(request, &response)
              : adminStub_->UnblockSlot(request, &response);
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ClusterState> state_;
  std::unique_ptr<KvServiceImpl> service_;
  std::unique_ptr<ClusterAdminServiceImpl> admin_;
  std::vector<net::EventLoop*> loops_;  // set before any call can arrive
  net::EventLoopThread serverThread_;
  net::EventLoopThread clientThread_;
  net::EventLoop* loop_ = nullptr;
  net::EventLoop* clientLoop_ = nullptr;
  std::unique_ptr<rpc::RpcServer> server_;
  std::unique_ptr<RespServer> resp_;
  std::unique_ptr<rpc::RpcChannel> channel_;
  std::unique_ptr<KvService::Stub> kv_;
  std::unique_ptr<KvClusterAdmin::Stub> adminStub_;
};

TEST_F(ClusterNodeTest, MrpcServesOwnKeysAndRedirectsOthersWithAParsableMoved) {
  ASSERT_TRUE(put("bar", "1").ok());
  const absl::Status moved = put("foo", "1");
  EXPECT_EQ(moved.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(moved.message(), "MOVED 12182 127.0.0.1:9092");
  int slot = 0;
  std::string address;
  ASSERT_TRUE(ClusterState::parseMoved(moved, &slot, &address));
  EXPECT_EQ(slot, 12182);

  GetRequest get;
  get.set_key("foo");
  GetResponse got;
  EXPECT_EQ(kv_->Get(get, &got).message(), "MOVED 12182 127.0.0.1:9092");
  get.set_key("bar");
  ASSERT_TRUE(kv_->Get(get, &got).ok());
  EXPECT_EQ(got.value(), "1");
}

TEST_F(ClusterNodeTest, RespAnswersMovedCrossSlotAndTheClusterCommandsAsRedisDoes) {
  RespRawClient client(resp_->listenAddress().port());
  ASSERT_TRUE(client.connected());
  client.roundTrip(command({"SET", "bar", "v"}), "+OK\r\n");
  client.roundTrip(command({"GET", "foo"}), "-MOVED 12182 127.0.0.1:6382\r\n");
  client.roundTrip(command({"MSET", "bar", "1", "hello", "2"}),
                   "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  client.roundTrip(command({"MSET", "{bar}1", "1", "{bar}2", "2"}), "+OK\r\n");
  client.roundTrip(command({"CLUSTER", "KEYSLOT", "foo"}), ":12182\r\n");
  client.roundTrip(command({"cluster", "myid"}), "$1\r\na\r\n");
  client.roundTrip(command({"CLUSTER", "SLOTS"}),
                   "*2\r\n"
                   "*3\r\n:0\r\n:8191\r\n*3\r\n$9\r\n127.0.0.1\r\n:2\r\n$1\r\na\r\n"
                   "*3\r\n:8192\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:6382\r\n$1\r\nb\r\n");
  // Keyless commands run on the node itself.
  client.roundTrip(command({"PING"}), "+PONG\r\n");
}

TEST_F(ClusterNodeTest, ATransactionIsRedirectedWhenQueuedAndCheckedAgainAtExec) {
  RespRawClient client(resp_->listenAddress().port());
  client.roundTrip(command({"MULTI"}), "+OK\r\n");
  client.roundTrip(command({"SET", "foo", "1"}), "-MOVED 12182 127.0.0.1:6382\r\n");
  client.roundTrip(command({"EXEC"}),
                   "-EXECABORT Transaction discarded because of previous errors.\r\n");

  // Queued while the slot took writes, executed once it does not.
  client.roundTrip(command({"MULTI"}), "+OK\r\n");
  client.roundTrip(command({"SET", "bar", "1"}), "+QUEUED\r\n");
  ASSERT_TRUE(block(keySlot("bar"), true).ok());
  client.roundTrip(command({"EXEC"}), tryAgain("bar"));
}

TEST_F(ClusterNodeTest, ABlockedSlotRefusesWritesWithTryAgainAndServesReads) {
  ASSERT_TRUE(put("bar", "before").ok());
  ASSERT_TRUE(block(keySlot("bar"), true).ok());
  const absl::Status refused = put("bar", "during");
  EXPECT_EQ(refused.code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(ClusterState::isTryAgain(refused)) << refused;
  RespRawClient client(resp_->listenAddress().port());
  client.roundTrip(command({"GET", "bar"}), "$6\r\nbefore\r\n");
  client.roundTrip(command({"SET", "bar", "x"}), tryAgain("bar"));
  // Other slots are not affected.
  ASSERT_TRUE(put("hello", "x").ok());

  ASSERT_TRUE(block(keySlot("bar"), false).ok());
  ASSERT_TRUE(put("bar", "after").ok());
  // A slot this node does not serve cannot be blocked.
  EXPECT_EQ(block(keySlot("foo"), true).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ClusterNodeTest, ASlotsEntriesCopyToANodeThatDoesNotServeItAndAreDeletedAfterTheSwitch) {
  const int slot = keySlot("bar");
  std::vector<std::string> keys;
  for (int i = 0; keys.size() < 30; ++i) {
    std::string key = absl::StrCat("{bar}", i);
    ASSERT_TRUE(put(key, "v" + key).ok());
    keys.push_back(std::move(key));
  }
  ASSERT_TRUE(put("hello", "other slot").ok());

  // Page through the slot: every key once, no key of another slot.
  SlotEntriesRequest request;
  request.set_slot(static_cast<uint32_t>(slot));
  request.set_limit(7);
  std::set<std::string> seen;
  for (int pages = 0; pages < 100; ++pages) {
    SlotEntriesResponse page;
    ASSERT_TRUE(adminStub_->SlotEntries(request, &page).ok());
    for (const SlotEntry& e : page.entries()) {
      EXPECT_EQ(keySlot(e.key()), slot);
      EXPECT_EQ(e.value(), "v" + e.key());
      EXPECT_TRUE(seen.insert(e.key()).second) << e.key();
    }
    if (page.next_start().empty()) break;
    request.set_start(page.next_start());
  }
  EXPECT_EQ(seen.size(), keys.size());

  // The node serves the slot: importing into it or deleting it is refused.
  ImportRequest import;
  import.set_slot(static_cast<uint32_t>(slot));
  SlotEntry* entry = import.add_entries();
  entry->set_key("{bar}new");
  entry->set_value("x");
  ImportResponse imported;
  EXPECT_EQ(adminStub_->Import(import, &imported).code(), absl::StatusCode::kFailedPrecondition);
  SlotEntriesRequest del;
  del.set_slot(static_cast<uint32_t>(slot));
  DeleteSlotResponse deleted;
  EXPECT_EQ(adminStub_->DeleteSlot(del, &deleted).code(), absl::StatusCode::kFailedPrecondition);

  // Hand the slot to b, and install the map that says so: now it is b's.
  ASSERT_TRUE(block(slot, true).ok());
  HandOffRequest handOff;
  handOff.set_slot(static_cast<uint32_t>(slot));
  handOff.set_node("b");
  SlotResponse handed;
  ASSERT_TRUE(adminStub_->HandOffSlot(handOff, &handed).ok());
  EXPECT_EQ(put(keys[0], "late").message(), absl::StrCat("MOVED ", slot, " 127.0.0.1:9092"));
  SlotMap next = twoNodes(2);
  next.assign(slot, slot, 1);
  SetSlotMapRequest set;
  set.set_map(next.serialize());
  SetSlotMapResponse setResponse;
  ASSERT_TRUE(adminStub_->SetSlotMap(set, &setResponse).ok());
  EXPECT_EQ(setResponse.epoch(), 2u);
  set.set_map(twoNodes(1).serialize());
  EXPECT_EQ(adminStub_->SetSlotMap(set, &setResponse).code(),
            absl::StatusCode::kFailedPrecondition);

  ASSERT_TRUE(adminStub_->DeleteSlot(del, &deleted).ok());
  EXPECT_EQ(deleted.deleted(), keys.size());
  EXPECT_TRUE(deleted.next_start().empty());
  std::string value;
  EXPECT_FALSE(store_->get(keys[0], &value));
  EXPECT_TRUE(store_->get("hello", &value));

  // Now a copy may come back in.
  ASSERT_TRUE(adminStub_->Import(import, &imported).ok());
  EXPECT_TRUE(store_->get("{bar}new", &value));
  // An entry of another slot is refused.
  import.mutable_entries(0)->set_key("hello");
  EXPECT_EQ(adminStub_->Import(import, &imported).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ClusterNodeTest, StatusShowsTheNodeItsSlotMapAndSlotsBeingMoved) {
  ASSERT_TRUE(block(keySlot("bar"), true).ok());
  RespRawClient http(server_->listenAddress().port());
  ASSERT_TRUE(http.connected());
  http.send("GET /status HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
  const std::string page = http.readAll(1 << 20);
  EXPECT_NE(page.find("cluster node a\nserves 8192 slots\n"), std::string::npos) << page;
  EXPECT_NE(page.find(absl::StrCat("slot ", keySlot("bar"), " writes blocked (moving)")),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("epoch 1\nnode a 127.0.0.1:1 127.0.0.1:2\n"), std::string::npos) << page;
  EXPECT_NE(page.find("slots 8192-16383 b\n"), std::string::npos) << page;
}

}  // namespace
}  // namespace muduo::kv::cluster
