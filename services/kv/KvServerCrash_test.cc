// Crash safety of the real kv_server: a child server acknowledges writes
// under --sync=batch (with compactions running, from a small
// --compaction_min_bytes), is killed with SIGKILL while more are in flight,
// and restarts on the same data: every acknowledged write is there, and
// anything else found is exactly what some in-flight write sent.
#include <signal.h>

#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/InetAddress.h"
#include "rpc/RpcChannel.h"
#include "services/kv/Subprocess.h"
#include "services/kv/kv.rpc.h"

namespace muduo::kv {
namespace {

using namespace std::chrono_literals;
using test::Subprocess;

constexpr int kSlots = 64;       // writers, each with one write in flight
constexpr int kKeysPerSlot = 8;  // each writer cycles over its keys: overwrites, so compaction
constexpr int kAcksBeforeKill = 3000;
constexpr int kRounds = 3;

struct Server {
  std::unique_ptr<Subprocess> process;
  uint16_t port = 0;
};

Server startServer(const std::string& dir, const std::string& name) {
  const std::string portFile = test::tempPath(name + ".ports");
  std::filesystem::remove(portFile);
  Server server;
  server.process = std::make_unique<Subprocess>(
      std::vector<std::string>{test::runfile("services/kv/kv_server"), "--port=0", "--resp_port=0",
                               "--threads=1", "--sync=batch", "--compaction_min_bytes=65536",
                               "--data_dir=" + dir, "--port_file=" + portFile},
      test::tempPath(name));
  if (!test::waitForFile(portFile, 20s)) {
    ADD_FAILURE() << "kv_server did not start: " << server.process->err();
    return server;
  }
  const std::string ports = test::readFile(portFile);
  const size_t start = ports.find("rpc_port=") + 9;
  uint32_t port = 0;
  EXPECT_TRUE(absl::SimpleAtoi(ports.substr(start, ports.find('\n') - start), &port)) << ports;
  server.port = static_cast<uint16_t>(port);
  return server;
}

std::string keyOf(int round, int slot, int write) {
  return absl::StrCat("r", round, "s", slot, "-", write % kKeysPerSlot);
}
std::string valueOf(int round, int slot, int write) {
  return absl::StrCat("r", round, "s", slot, "w", write, "-", std::string(100, 'x'));
}

// What one round's writers did, as the client saw it.
struct Round {
  int lastAcked[kSlots];  // per writer: its last acknowledged write, -1 for none
  int inFlight[kSlots];   // per writer: the write in flight at the kill, -1 for none
};

// Runs kSlots sequential writers against the server until kAcksBeforeKill
// writes are acknowledged, then kills it with SIGKILL from the completion
// that reached the count, writes still in flight.
Round writeUntilKilled(Server& server, int round) {
  Round result;
  std::fill(std::begin(result.lastAcked), std::end(result.lastAcked), -1);
  std::fill(std::begin(result.inFlight), std::end(result.inFlight), -1);
  net::EventLoopThread thread;
  net::EventLoop* loop = thread.startLoop();
  auto channel =
      std::make_unique<rpc::RpcChannel>(loop, net::InetAddress("127.0.0.1", server.port));
  channel->connect();
  KvService::Stub stub(channel.get());
  int acks = 0;  // loop thread only, as is `result` until the end
  bool killed = false;
  std::promise<void> killedPromise;
  std::function<void(int, int)> issue = [&](int slot, int write) {
    result.inFlight[slot] = write;
    PutRequest request;
    request.set_key(keyOf(round, slot, write));
    request.set_value(valueOf(round, slot, write));
    stub.AsyncPut(request, [&, slot, write](absl::Status status, PutResponse*) {
      if (!status.ok()) return;  // the server is gone: the write stays "in flight"
      result.lastAcked[slot] = write;
      result.inFlight[slot] = -1;
      if (++acks == kAcksBeforeKill && !killed) {
        killed = true;
        server.process->kill(SIGKILL);
        killedPromise.set_value();
        return;
      }
      if (!killed) issue(slot, write + 1);
    });
  };
  loop->runInLoop([&] {
    for (int slot = 0; slot < kSlots; ++slot) issue(slot, 0);
  });
  EXPECT_EQ(killedPromise.get_future().wait_for(30s), std::future_status::ready)
      << "the server acknowledged only some writes";
  EXPECT_EQ(server.process->wait(10s), 128 + SIGKILL);
  // Every call has completed (failed) once the channel is gone.
  std::promise<void> closed;
  loop->runInLoop([&] {
    channel.reset();
    closed.set_value();
  });
  EXPECT_EQ(closed.get_future().wait_for(10s), std::future_status::ready);
  return result;
}

std::map<std::string, std::string> readEverything(uint16_t port) {
  net::EventLoopThread thread;
  net::EventLoop* loop = thread.startLoop();
  std::map<std::string, std::string> all;
  {
    rpc::RpcChannel channel(loop, net::InetAddress("127.0.0.1", port));
    channel.connect();
    KvService::Stub stub(&channel);
    ScanRequest request;
    request.set_limit(10000);
    while (true) {
      ScanResponse response;
      const absl::Status status = stub.Scan(request, &response);
      EXPECT_TRUE(status.ok()) << status;
      if (!status.ok()) break;
      for (const KeyValue& kv : response.entries()) all[kv.key()] = kv.value();
      if (!response.more()) break;
      request.set_start(response.entries(response.entries_size() - 1).key() + '\0');
    }
  }
  return all;
}

void expectRoundSurvived(int round, const Round& r, const std::map<std::string, std::string>& all) {
  int checked = 0;
  for (int slot = 0; slot < kSlots; ++slot) {
    for (int key = 0; key < kKeysPerSlot; ++key) {
      // The newest acknowledged write to this key must be there, unless the
      // write in flight (unacknowledged, so allowed either way) replaced it.
      std::set<std::string> allowed;
      int newestAcked = -1;
      for (int w = r.lastAcked[slot]; w >= 0; --w) {
        if (w % kKeysPerSlot == key) {
          newestAcked = w;
          break;
        }
      }
      if (newestAcked >= 0) allowed.insert(valueOf(round, slot, newestAcked));
      const int inFlight = r.inFlight[slot];
      const bool inFlightHere = inFlight >= 0 && inFlight % kKeysPerSlot == key;
      if (inFlightHere) allowed.insert(valueOf(round, slot, inFlight));
      auto it = all.find(keyOf(round, slot, key));
      if (it == all.end()) {
        EXPECT_TRUE(newestAcked < 0)
            << "acknowledged write lost: " << keyOf(round, slot, key) << " write " << newestAcked;
      } else {
        EXPECT_TRUE(allowed.count(it->second) == 1)
            << keyOf(round, slot, key)
            << " holds a value no write left there: " << it->second.substr(0, 20);
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, kSlots * kKeysPerSlot);
}

TEST(KvServerCrashTest, EveryAcknowledgedWriteSurvivesSigkillDuringWritesAndCompaction) {
  const std::string dir = test::tempPath("crash_data");
  std::filesystem::remove_all(dir);
  std::vector<Round> rounds;
  for (int round = 0; round < kRounds; ++round) {
    Server server = startServer(dir, absl::StrCat("server", round));
    ASSERT_NE(server.port, 0);
    // Everything the earlier rounds left is still there after each restart.
    const auto before = readEverything(server.port);
    for (int r = 0; r < round; ++r) expectRoundSurvived(r, rounds[static_cast<size_t>(r)], before);
    rounds.push_back(writeUntilKilled(server, round));
  }
  Server last = startServer(dir, "server_final");
  ASSERT_NE(last.port, 0);
  const auto all = readEverything(last.port);
  for (int r = 0; r < kRounds; ++r) expectRoundSurvived(r, rounds[static_cast<size_t>(r)], all);
  EXPECT_EQ(all.size(), static_cast<size_t>(kRounds * kSlots * kKeysPerSlot));

  // Compaction ran while the writes went on (the snapshots are what a
  // restart loads), and a graceful stop exits 0.
  bool snapshot = false;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    snapshot |= entry.path().filename().string().starts_with("snapshot-");
  }
  EXPECT_TRUE(snapshot) << "no compaction happened; the test lost half its point";
  last.process->kill(SIGTERM);
  EXPECT_EQ(last.process->wait(20s), 0) << last.process->err();
}

}  // namespace
}  // namespace muduo::kv
