// kv_admin: shows a KV cluster's slot map and moves slots between nodes,
// online (SlotMover.h says how no acknowledged write is lost).
//
//   kv_admin --cluster=HOST:PORT show
//   kv_admin --cluster=HOST:PORT move SLOTS NODE     SLOTS: N or A-B
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "muduo/base/ProgramFlags.h"
#include "muduo/net/EventLoopThread.h"
#include "services/kv/cluster/SlotMover.h"
#include "services/kv/cluster/ZkMapPublisher.h"

ABSL_FLAG(std::string, cluster, "127.0.0.1:9090",
          "the MRPC host:port of any node of the cluster, to read the slot map from");
ABSL_FLAG(std::string, zk, "",
          "the cluster's ZooKeeper and root, HOST:PORT[,...]/ROOT (as kv_server "
          "--cluster_zk): the map is read there and changed with a compare-and-set. Without it, "
          "--cluster's node is asked and new maps are sent to every node");
ABSL_FLAG(bool, replace, false, "init: replace an existing map (all slots reassigned!)");
ABSL_FLAG(int, batch_slots, 64,
          "move: slots moved per pass (writes to a pass's slots wait while its keys are "
          "copied; one pass reads the source's keys once)");
ABSL_FLAG(int, timeout_ms, 10000, "deadline of each call to a node");

namespace {

int show(muduo::kv::cluster::MapPublisher& publisher) {
  absl::StatusOr<muduo::kv::cluster::SlotMap> map = publisher.current();
  if (!map.ok()) {
    std::cerr << "kv_admin: " << map.status() << "\n";
    return 2;
  }
  std::cout << map->serialize();
  for (size_t i = 0; i < map->nodes().size(); ++i) {
    std::cout << "# " << map->nodes()[i].id << ": " << map->slotsOf(static_cast<int>(i))
              << " slots\n";
  }
  return 0;
}

int move(muduo::kv::cluster::SlotMover& mover, const std::string& slots,
         const std::string& target) {
  int first = 0;
  int last = 0;
  if (!muduo::kv::cluster::parseSlotRange(slots, &first, &last)) {
    muduo::exitWithUsageError("kv_admin", "move: SLOTS is N or A-B within 0-16383");
  }
  const int batch = std::max(1, absl::GetFlag(FLAGS_batch_slots));
  muduo::kv::cluster::SlotMover::Result total;
  std::chrono::microseconds maxBlocked{0};
  const auto started = std::chrono::steady_clock::now();
  for (int from = first; from <= last; from += batch) {
    const int to = std::min(last, from + batch - 1);
    absl::StatusOr<muduo::kv::cluster::SlotMover::Result> r = mover.move(from, to, target);
    if (!r.ok()) {
      std::cerr << "kv_admin: moving slots " << from << "-" << to << " to " << target
                << " failed: " << r.status() << "\n";
      return 2;
    }
    total.keys += r->keys;
    total.bytes += r->bytes;
    total.scanned += r->scanned;
    total.deleted += r->deleted;
    total.epoch = r->epoch;
    maxBlocked = std::max(maxBlocked, r->blocked);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "moved slots %d-%d to %s: %llu keys, %.2f MB in %.3f s (%.0f keys/s, %.2f MB/s); "
      "%llu source keys scanned, %llu deleted from the source; writes to a pass's slots "
      "waited at most %.1f ms; map epoch %llu\n",
      first, last, target.c_str(), static_cast<unsigned long long>(total.keys),
      static_cast<double>(total.bytes) / 1e6, seconds, static_cast<double>(total.keys) / seconds,
      static_cast<double>(total.bytes) / 1e6 / seconds,
      static_cast<unsigned long long>(total.scanned),
      static_cast<unsigned long long>(total.deleted), static_cast<double>(maxBlocked.count()) / 1e3,
      static_cast<unsigned long long>(total.epoch));
  return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
  std::vector<char*> args = muduo::parseProgramFlags(
      argc, argv,
      {"kv_admin [flags] show | move SLOTS NODE | init | nodes",
       "Administers a sharded KV cluster: prints its slot map, or moves slots (N or A-B) to "
       "node NODE online: writes to the moving slots wait (TRYAGAIN) while their keys are "
       "copied, then the new map is published and the source's copies deleted.",
       {"kv_admin --cluster=127.0.0.1:9091 show",
        "kv_admin --zk=127.0.0.1:2181/kv/demo init   (splits the slots over the registered nodes)",
        "kv_admin --zk=127.0.0.1:2181/kv/demo move 0-99 n2",
        "kv_admin --cluster=127.0.0.1:9091 move 0-999 n2"}});
  muduo::Logger::setLogLevel(muduo::LogLevel::kWarn);
  muduo::net::EventLoopThread loopThread;
  muduo::kv::cluster::SlotMover::Options options;
  options.callTimeout = std::chrono::milliseconds(absl::GetFlag(FLAGS_timeout_ms));
  // The publisher reads through the mover's channels; the mover publishes
  // through it.
  std::unique_ptr<muduo::kv::cluster::MapPublisher> publisher;
  muduo::kv::cluster::SlotMover mover(loopThread.startLoop(), nullptr, options);
  const std::vector<std::string> words(args.begin() + 1, args.end());
  if (const std::string zk = absl::GetFlag(FLAGS_zk); !zk.empty()) {
    absl::StatusOr<muduo::kv::cluster::ZkLocation> location =
        muduo::kv::cluster::ZkLocation::parse(zk);
    if (!location.ok()) muduo::exitWithUsageError("kv_admin", location.status().message());
    auto zkPublisher = std::make_unique<muduo::kv::cluster::ZkMapPublisher>(*location, &mover);
    if (absl::Status s = zkPublisher->connect(options.callTimeout); !s.ok()) {
      std::cerr << "kv_admin: " << s << "\n";
      return 2;
    }
    if (words.size() == 1 && words[0] == "nodes") {
      absl::StatusOr<std::map<std::string, std::string>> nodes = zkPublisher->registeredNodes();
      if (!nodes.ok()) {
        std::cerr << "kv_admin: nodes: " << nodes.status() << "\n";
        return 2;
      }
      for (const auto& [id, registration] : *nodes) std::cout << id << " " << registration << "\n";
      return 0;
    }
    if (words.size() == 1 && words[0] == "init") {
      absl::StatusOr<muduo::kv::cluster::SlotMap> map =
          zkPublisher->init(absl::GetFlag(FLAGS_replace));
      if (!map.ok()) {
        std::cerr << "kv_admin: init: " << map.status() << "\n";
        return 2;
      }
      std::cout << map->serialize();
      return 0;
    }
    publisher = std::move(zkPublisher);
  } else {
    publisher =
        std::make_unique<muduo::kv::cluster::DirectPublisher>(&mover, absl::GetFlag(FLAGS_cluster));
  }
  mover.setPublisher(publisher.get());
  if (words.size() == 1 && words[0] == "show") return show(*publisher);
  if (words.size() == 3 && words[0] == "move") return move(mover, words[1], words[2]);
  muduo::exitWithUsageError("kv_admin",
                            "expected 'show', 'move SLOTS NODE', or with --zk 'init' or 'nodes'");
}
