// A real cluster: a real ZooKeeper (one per suite, a root per test), three
// kv_server processes registered in it, the first map written by
// ZkMapPublisher::init (kv_admin init) and watched by the nodes, and
// KvClusterClient in this process. Every key written comes back; a slot moved under concurrent
// writes loses no acknowledged write; a SIGKILLed node fails only its own
// keys, at once, and serves them again after a restart.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/TestUtil.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "rpc/naming/testing/ZooKeeperServer.h"
#include "services/kv/Subprocess.h"
#include "services/kv/cluster/KeySlot.h"
#include "services/kv/cluster/KvClusterClient.h"
#include "services/kv/cluster/SlotMover.h"
#include "services/kv/cluster/ZkClusterMap.h"
#include "services/kv/cluster/ZkMapPublisher.h"

namespace muduo::kv::cluster {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Fewer keys under the sanitizers, which run every call many times slower.
constexpr int kKeys = muduo::test::kSanitized ? 3000 : 20000;
constexpr int kNodes = 3;
constexpr int kInFlight = 128;

struct NodeProcess {
  std::string id;
  std::string dir;
  uint16_t rpcPort = 0;
  std::unique_ptr<test::Subprocess> process;
};

std::string keyOf(int i) { return absl::StrCat("key:", i); }
std::string valueOf(int i, int version) { return absl::StrCat("value of ", i, " v", version); }

class KvClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    zk_ = new rpc::naming::testing::ZooKeeperServer();
    const absl::Status started = zk_->start();
    ASSERT_TRUE(started.ok()) << started;
  }
  static void TearDownTestSuite() {
    delete zk_;
    zk_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(zk_, nullptr);
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    base_ = test::tempPath("kvcluster_" + name);
    std::filesystem::remove_all(base_);
    std::filesystem::create_directories(base_);
    location_.connectString = zk_->connectString();
    location_.root = "/kv/" + name;
    for (int i = 0; i < kNodes; ++i) {
      NodeProcess& node = nodes_[i];
      node.id = absl::StrCat("n", i + 1);
      node.dir = base_ + "/" + node.id;
      ASSERT_TRUE(start(node));
    }
    loop_ = loopThread_.startLoop();
    mover_ = std::make_unique<SlotMover>(loop_, nullptr, SlotMover::Options());
    publisher_ = std::make_unique<ZkMapPublisher>(location_, mover_.get());
    ASSERT_TRUE(publisher_->connect(10s).ok());
    mover_->setPublisher(publisher_.get());
    // Each node registers once it serves.
    for (int attempt = 0; attempt < 200; ++attempt) {
      absl::StatusOr<std::map<std::string, std::string>> registered = publisher_->registeredNodes();
      if (registered.ok() && registered->size() == kNodes) break;
      std::this_thread::sleep_for(50ms);
    }
    absl::StatusOr<SlotMap> map = publisher_->init(/*replace=*/false);
    ASSERT_TRUE(map.ok()) << map.status();
    ASSERT_EQ(map->nodes().size(), static_cast<size_t>(kNodes));
    map_ = *map;
    KvClusterClient::Options options;
    for (const SlotMap::Node& node : map_.nodes()) options.seeds.push_back(node.rpcAddress);
    client_ = std::make_unique<KvClusterClient>(loop_, options);
    // The nodes learn the map from their watch: wait until each has it.
    for (const SlotMap::Node& node : map_.nodes()) {
      absl::StatusOr<KvClusterAdmin::Stub*> stub = mover_->admin(node.rpcAddress);
      ASSERT_TRUE(stub.ok());
      uint64_t epoch = 0;
      for (int attempt = 0; attempt < 200 && epoch != 1; ++attempt) {
        GetSlotMapResponse response;
        if ((*stub)->GetSlotMap(GetSlotMapRequest(), &response).ok()) epoch = response.epoch();
        if (epoch != 1) std::this_thread::sleep_for(20ms);
      }
      ASSERT_EQ(epoch, 1u) << node.id << " never saw the map";
    }
    // The client takes the map from ZooKeeper too, by watch.
    watcher_ = std::make_unique<ZkClusterMap>(
        location_, [client = client_.get()](SlotMap map) { client->setMap(std::move(map)); });
    ASSERT_TRUE(watcher_->start().ok());
    for (int attempt = 0; attempt < 200 && client_->map()->epoch() != 1; ++attempt) {
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_EQ(client_->map()->epoch(), 1u);
  }

  void TearDown() override {
    if (watcher_ != nullptr) watcher_->stop();
    client_.reset();
    mover_.reset();
    for (NodeProcess& node : nodes_) node.process.reset();
  }

  // Starts (or restarts, on its old port) a node; it registers in
  // ZooKeeper and takes the map from there.
  bool start(NodeProcess& node) {
    const std::string portFile = absl::StrCat(node.dir, ".ports");
    std::filesystem::remove(portFile);
    std::vector<std::string> argv = {test::runfile("services/kv/kv_server"),
                                     absl::StrCat("--port=", node.rpcPort),
                                     "--resp_port=0",  // RESP off: port 0 would not pick one
                                     "--threads=2",
                                     // Survives SIGKILL (the page cache has it); no
                                     // fdatasync per write keeps the test fast.
                                     "--sync=everysec", "--data_dir=" + node.dir,
                                     "--port_file=" + portFile, "--cluster_node_id=" + node.id};
    argv.push_back(absl::StrCat("--cluster_zk=", location_.connectString, location_.root));
    node.process = std::make_unique<test::Subprocess>(argv, node.dir + ".log");
    if (!test::waitForFile(portFile, 20s)) {
      ADD_FAILURE() << "kv_server " << node.id << " did not start: " << node.process->err();
      return false;
    }
    const std::string ports = test::readFile(portFile);
    auto portAfter = [&ports](std::string_view name) {
      const size_t at = ports.find(name);
      if (at == std::string::npos) return 0u;
      const size_t start = at + name.size();
      uint32_t port = 0;
      if (!absl::SimpleAtoi(ports.substr(start, ports.find('\n', start) - start), &port)) return 0u;
      return port;
    };
    node.rpcPort = static_cast<uint16_t>(portAfter("rpc_port="));
    return node.rpcPort != 0;
  }

  // Runs issue(i, next) for i in [0, n), kInFlight at a time; each call
  // must run `next` once its answer is in.
  static void pipelined(int n, const std::function<void(int, std::function<void()>)>& issue) {
    std::atomic<int> next{0};
    CountDownLatch done(kInFlight);
    std::function<void()> one = [&] {
      const int i = next.fetch_add(1);
      if (i >= n) {
        done.countDown();
        return;
      }
      issue(i, one);
    };
    for (int i = 0; i < kInFlight; ++i) one();
    EXPECT_TRUE(done.waitFor(120s));
  }

  // Puts keys [0, n) with value version `version`. Returns how many failed.
  int putAll(int n, int version) {
    std::atomic<int> failed{0};
    pipelined(n, [&](int i, std::function<void()> next) {
      PutRequest request;
      request.set_key(keyOf(i));
      request.set_value(valueOf(i, version));
      client_->put(request, [&, i, next](absl::Status s, PutResponse*) {
        if (!s.ok() && failed.fetch_add(1) < 3) ADD_FAILURE() << keyOf(i) << ": " << s;
        next();
      });
    });
    return failed.load();
  }

  // Reads keys [0, n): each status and value, in order.
  std::vector<std::pair<absl::Status, std::string>> getAll(
      int n, std::vector<std::chrono::microseconds>* latencies = nullptr) {
    std::vector<std::pair<absl::Status, std::string>> out(static_cast<size_t>(n));
    if (latencies != nullptr) latencies->assign(static_cast<size_t>(n), {});
    pipelined(n, [&](int i, std::function<void()> next) {
      GetRequest request;
      request.set_key(keyOf(i));
      const Clock::time_point started = Clock::now();
      client_->get(request, [&, i, started, next](absl::Status s, GetResponse* r) {
        auto& slot = out[static_cast<size_t>(i)];
        slot.first = s;
        if (s.ok()) slot.second = r->found() ? r->value() : "(not found)";
        if (latencies != nullptr) {
          (*latencies)[static_cast<size_t>(i)] =
              std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
        }
        next();
      });
    });
    return out;
  }

  static rpc::naming::testing::ZooKeeperServer* zk_;
  ZkLocation location_;
  std::string base_;
  NodeProcess nodes_[kNodes];
  SlotMap map_;
  net::EventLoopThread loopThread_;
  net::EventLoop* loop_ = nullptr;
  std::unique_ptr<SlotMover> mover_;
  std::unique_ptr<ZkMapPublisher> publisher_;
  std::unique_ptr<KvClusterClient> client_;
  std::unique_ptr<ZkClusterMap> watcher_;
};

rpc::naming::testing::ZooKeeperServer* KvClusterTest::zk_ = nullptr;

TEST_F(KvClusterTest, EveryKeyWrittenThroughTheClusterClientIsReadBackFromItsNode) {
  ASSERT_EQ(putAll(kKeys, 1), 0);
  const auto got = getAll(kKeys);
  int wrong = 0;
  for (int i = 0; i < kKeys; ++i) {
    if (!got[i].first.ok() || got[i].second != valueOf(i, 1)) {
      if (++wrong <= 5) ADD_FAILURE() << keyOf(i) << ": " << got[i].first << " " << got[i].second;
    }
  }
  EXPECT_EQ(wrong, 0);
  // The client went straight to each key's node: no redirects.
  EXPECT_EQ(client_->stats().redirects, 0u);
  // And the keys are spread over all three.
  std::vector<KeyValue> all;
  ASSERT_TRUE(client_->scan("key:", 0, &all).ok());
  EXPECT_EQ(all.size(), static_cast<size_t>(kKeys));
}

TEST_F(KvClusterTest, ASlotMovedUnderConcurrentWritesLosesNoAcknowledgedWrite) {
  ASSERT_EQ(putAll(kKeys, 0), 0);
  // Writers keep overwriting every key with rising versions while node 1's
  // first 2048 slots move to node 2; per key one write is in flight at a
  // time, so the last acknowledged version is the one a read must see.
  constexpr int kWriters = 32;
  std::vector<std::atomic<int>> acked(static_cast<size_t>(kKeys));
  for (auto& a : acked) a.store(0);
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<int> writes{0};
  CountDownLatch stopped(kWriters);
  std::vector<std::function<void(int, int)>> writers(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    // Writer w owns keys w, w + kWriters, ...; round r writes version r.
    writers[w] = [&, w](int index, int version) {
      if (stop.load()) {
        stopped.countDown();
        return;
      }
      const int key = w + index * kWriters;
      if (key >= kKeys) {
        writers[w](0, version + 1);
        return;
      }
      PutRequest request;
      request.set_key(keyOf(key));
      request.set_value(valueOf(key, version));
      client_->put(request, [&, w, key, index, version](absl::Status s, PutResponse*) {
        writes.fetch_add(1);
        if (s.ok()) {
          acked[static_cast<size_t>(key)].store(version);
        } else if (failures.fetch_add(1) < 3) {
          ADD_FAILURE() << keyOf(key) << " v" << version << ": " << s;
        }
        writers[w](index + 1, version);
      });
    };
  }
  for (int w = 0; w < kWriters; ++w) writers[w](0, 1);

  const int before = writes.load();
  absl::StatusOr<SlotMover::Result> moved = mover_->move(0, 2047, "n2");
  ASSERT_TRUE(moved.ok()) << moved.status();
  // Let the writers see the new owner too.
  const Clock::time_point until = Clock::now() + 10s;
  while (writes.load() < before + 2000 && Clock::now() < until) std::this_thread::sleep_for(5ms);
  stop.store(true);
  ASSERT_TRUE(stopped.waitFor(30s));

  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(moved->keys, 0u);
  EXPECT_EQ(moved->deleted, moved->keys);  // the source kept no copy
  EXPECT_EQ(moved->epoch, 2u);
  EXPECT_GT(writes.load(), before) << "no write ran during the move";
  const auto got = getAll(kKeys);
  int lost = 0;
  for (int i = 0; i < kKeys; ++i) {
    const std::string expected = valueOf(i, acked[static_cast<size_t>(i)].load());
    if (!got[i].first.ok() || got[i].second != expected) {
      if (++lost <= 5) {
        ADD_FAILURE() << keyOf(i) << " (slot " << keySlot(keyOf(i)) << "): " << got[i].first << " '"
                      << got[i].second << "', expected '" << expected << "'";
      }
    }
  }
  EXPECT_EQ(lost, 0);
  // The map moved: n2 now serves 0-2047, and the client has the new map.
  EXPECT_EQ(client_->map()->epoch(), 2u);
  EXPECT_EQ(client_->map()->owner(100)->id, "n2");
  EXPECT_GT(client_->stats().redirects, 0u);
}

TEST_F(KvClusterTest, AKilledNodeFailsOnlyItsOwnKeysAtOnceAndServesThemAfterARestart) {
  ASSERT_EQ(putAll(kKeys, 1), 0);
  NodeProcess& victim = nodes_[2];
  victim.process->kill(SIGKILL);
  ASSERT_TRUE(victim.process->wait(10s).has_value());

  std::vector<std::chrono::microseconds> latencies;
  const auto got = getAll(kKeys, &latencies);
  int failedOwn = 0;
  int failedOther = 0;
  std::chrono::microseconds slowestFailure{0};
  for (int i = 0; i < kKeys; ++i) {
    const bool victims = map_.owner(keySlot(keyOf(i)))->id == victim.id;
    if (victims) {
      EXPECT_EQ(got[i].first.code(), absl::StatusCode::kUnavailable) << keyOf(i);
      failedOwn += got[i].first.ok() ? 0 : 1;
      slowestFailure = std::max(slowestFailure, latencies[static_cast<size_t>(i)]);
    } else {
      failedOther += got[i].first.ok() && got[i].second == valueOf(i, 1) ? 0 : 1;
    }
  }
  EXPECT_EQ(failedOther, 0);
  EXPECT_GT(failedOwn, kKeys / 5);
  // Failed at once (the channel knows the node is gone), not at the 5 s
  // deadline. Loose: a loaded sanitizer run is slow, but not this slow.
  EXPECT_LT(slowestFailure, 2500ms);

  // Restarted on its port, it reads the map from ZooKeeper and serves its
  // keys again: they were durable on its disk.
  ASSERT_TRUE(start(victim));
  int missing = kKeys;
  for (int attempt = 0; attempt < 50 && missing > 0; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(200ms);
    const auto again = getAll(kKeys);
    missing = 0;
    for (int i = 0; i < kKeys; ++i) {
      missing += again[i].first.ok() && again[i].second == valueOf(i, 1) ? 0 : 1;
    }
  }
  EXPECT_EQ(missing, 0);
}

TEST_F(KvClusterTest, TwoAdminsChangingTheSameMapCannotBothWin) {
  ZkMapPublisher other(location_, nullptr);
  ASSERT_TRUE(other.connect(10s).ok());
  absl::StatusOr<SlotMap> mine = publisher_->current();
  absl::StatusOr<SlotMap> theirs = other.current();
  ASSERT_TRUE(mine.ok() && theirs.ok());
  SlotMap next = *theirs;
  next.setEpoch(theirs->epoch() + 1);
  next.assign(0, 0, 1);
  ASSERT_TRUE(other.publish(*theirs, next).ok());
  // This one read the map before that change: its write is refused.
  SlotMap stale = *mine;
  stale.setEpoch(mine->epoch() + 1);
  stale.assign(0, 0, 2);
  const absl::Status refused = publisher_->publish(*mine, stale);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  absl::StatusOr<SlotMap> now = publisher_->current();
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->owner(0)->id, "n2");
}

}  // namespace
}  // namespace muduo::kv::cluster
