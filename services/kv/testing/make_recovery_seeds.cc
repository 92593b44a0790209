// Writes the seed corpus of Recovery_fuzzer: data directories the store
// itself wrote (puts, expiring puts, expiry changes, deletes, clears, a
// compaction's snapshot), whole and damaged the ways a disk damages them (a
// torn tail, a flipped byte mid-log, a torn header), and the legacy
// header-less layout, each packed into the fuzzer's input format
// (Recovery_fuzzer.cc).
//
//   tools/bazel run //services/kv/testing:make_recovery_seeds --
//   "$PWD/services/kv/testdata/fuzz/Recovery_fuzzer"
//
// Deterministic: the store's clock is fixed, so the same build writes the
// same seeds.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/kv/LogFormat.h"
#include "services/kv/Store.h"
#include "services/kv/WriteBatch.h"

namespace muduo::kv {
namespace {

constexpr std::string_view kSeparator = "\n#MKV-FILE#\n";  // Recovery_fuzzer.cc's
constexpr int64_t kNowMs = int64_t{1'790'000'000'000};     // Recovery_fuzzer.cc's

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "make_recovery_seeds: %s\n", what);
    std::exit(1);
  }
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write(Store* store, WriteBatch batch) {
  bool ok = false;
  store->write(std::move(batch), [&ok](absl::Status status, WriteBatch&) { ok = status.ok(); });
  check(ok, "a write failed");  // SyncMode::kNone calls back before write() returns
}

std::unique_ptr<Store> openStore(const std::string& dir, uint64_t compactionMinBytes) {
  Store::Options options;
  options.dir = dir;
  options.sync = SyncMode::kNone;
  options.expiryInterval = std::chrono::milliseconds(0);
  options.compactionMinBytes = compactionMinBytes;
  options.compactionRatio = 0.5;
  options.clock = [] { return kNowMs; };
  absl::StatusOr<std::unique_ptr<Store>> store = Store::open(options);
  check(store.ok(), "the store does not open");
  return std::move(*store);
}

// A history with every kind of log op.
void writeHistory(Store* store, int round) {
  const std::string r = std::to_string(round);
  for (int i = 0; i < 6; ++i) {
    WriteBatch batch;
    batch.put("key:" + r + ":" + std::to_string(i), std::string(8 + i, static_cast<char>('a' + i)));
    write(store, std::move(batch));
  }
  WriteBatch expiring;
  expiring.put("session:" + r, "token").expireAt = kNowMs + 60'000;
  expiring.put("gone:" + r, "stale").expireAt = kNowMs - 1'000;  // already expired
  write(store, std::move(expiring));
  WriteBatch ttl;
  ttl.op(WriteOp::Kind::kExpire, "key:" + r + ":1").expireAt = kNowMs + 5'000;
  write(store, std::move(ttl));
  WriteBatch counter;
  counter.increment("counter", 41);
  counter.op(WriteOp::Kind::kAppend, "key:" + r + ":2").value = "+appended";
  write(store, std::move(counter));
  WriteBatch removal;
  removal.remove("key:" + r + ":3");
  write(store, std::move(removal));
}

// A store's directory after `build` ran on it, as (name, contents).
struct Dir {
  std::string log1, snapshot, log2;
  bool hasSnapshot = false, hasLog2 = false;
  bool snapshotIs2 = false;
};

std::string pack(uint8_t flags, const Dir& d) {
  std::string out(1, static_cast<char>(flags | (d.snapshotIs2 ? 4 : 0)));
  out += d.log1;
  if (d.hasSnapshot || d.hasLog2) {
    out += kSeparator;
    out += d.snapshot;
  }
  if (d.hasLog2) {
    out += kSeparator;
    out += d.log2;
  }
  return out;
}

void save(const std::string& dir, const std::string& name, const std::string& input) {
  std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
  out << input;
  check(out.good(), "a seed cannot be written");
}

}  // namespace
}  // namespace muduo::kv

int main(int argc, char** argv) {
  using namespace muduo::kv;
  check(argc == 2, "usage: make_recovery_seeds OUTPUT_DIR");
  const std::string outDir = argv[1];
  std::filesystem::create_directories(outDir);
  const std::string work =
      (std::filesystem::temp_directory_path() / "make_recovery_seeds").string();

  // One log: every op kind, a clear in the middle.
  std::filesystem::remove_all(work);
  {
    auto store = openStore(work, uint64_t{1} << 40);
    writeHistory(store.get(), 0);
    WriteBatch clear;
    clear.op(WriteOp::Kind::kClear, "");
    write(store.get(), std::move(clear));
    writeHistory(store.get(), 1);
  }
  Dir one;
  one.log1 = readFile(work + "/log-000000000001");
  check(one.log1.size() > log::kFileHeaderSize + 64, "the log is missing");
  save(outDir, "log_v1", pack(0, one));

  Dir legacy = one;
  legacy.log1 = one.log1.substr(log::kFileHeaderSize);
  save(outDir, "log_legacy_headerless", pack(0, legacy));

  Dir torn = one;
  torn.log1.resize(one.log1.size() - 5);
  save(outDir, "log_torn_tail", pack(0, torn));

  Dir flipped = one;
  flipped.log1[one.log1.size() / 2] ^= 0x20;
  save(outDir, "log_flipped_byte_mid_log", pack(0, flipped));

  Dir tornHeader = one;
  tornHeader.log1.resize(5);
  save(outDir, "log_torn_header", pack(0, tornHeader));

  Dir newer = one;
  newer.log1[4] = 2;  // version 2: from a newer build
  save(outDir, "log_newer_version", pack(0, newer));

  // A compaction: a snapshot and the log after it, the old log gone.
  std::filesystem::remove_all(work);
  {
    auto store = openStore(work, 256);
    for (int round = 0; round < 4; ++round) writeHistory(store.get(), round);
    store->waitForCompaction();
    writeHistory(store.get(), 9);
  }
  Dir compacted;
  for (const auto& entry : std::filesystem::directory_iterator(work)) {
    const std::string name = entry.path().filename().string();
    std::fprintf(stderr, "make_recovery_seeds: compacted directory has %s\n", name.c_str());
  }
  // The newest snapshot and the logs after it, renumbered into the
  // fuzzer's slots: snapshot-2 with log-2 (and log-1 as a stale older log).
  uint64_t newest = 0;
  for (const auto& entry : std::filesystem::directory_iterator(work)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("snapshot-", 0) == 0 && name.find('.') == std::string::npos) {
      newest = std::max<uint64_t>(newest, std::stoull(name.substr(9)));
    }
  }
  check(newest > 0, "the compaction wrote no snapshot");
  char name[64];
  std::snprintf(name, sizeof name, "/snapshot-%012llu", static_cast<unsigned long long>(newest));
  compacted.snapshot = readFile(work + name);
  std::snprintf(name, sizeof name, "/log-%012llu", static_cast<unsigned long long>(newest));
  compacted.log2 = readFile(work + name);
  compacted.hasSnapshot = compacted.hasLog2 = true;
  compacted.snapshotIs2 = true;
  compacted.log1 = one.log1;  // a stale log the compaction did not get to delete
  save(outDir, "snapshot_and_log", pack(0, compacted));

  Dir snapOnly = compacted;
  snapOnly.log1.clear();
  snapOnly.snapshotIs2 = false;
  snapOnly.hasLog2 = false;
  save(outDir, "snapshot_gen1_empty_log1", pack(0, snapOnly));

  Dir snapFlipped = compacted;
  snapFlipped.snapshot[snapFlipped.snapshot.size() / 2] ^= 0x01;
  save(outDir, "snapshot_flipped_byte", pack(0, snapFlipped));

  Dir snapTorn = compacted;
  snapTorn.snapshot.resize(snapTorn.snapshot.size() - 3);
  save(outDir, "snapshot_torn_end_record", pack(0, snapTorn));

  Dir twoLogs = one;
  twoLogs.hasLog2 = true;
  twoLogs.log2 = compacted.log2;
  save(outDir, "two_logs", pack(0, twoLogs));

  Dir tornFirst = twoLogs;
  tornFirst.log1 = torn.log1;
  save(outDir, "two_logs_first_torn", pack(0, tornFirst));

  // Framed mode (flag bit 0, header bit 1): one put record and a torn one.
  std::string framed(1, '\x03');
  std::string put;
  log::appendPut(&put, "k", "v");
  framed += '\x01';
  framed += static_cast<char>(put.size());
  framed += put;
  framed += "\x01\x20torn";
  save(outDir, "framed_put_then_torn", framed);

  std::filesystem::remove_all(work);
  return 0;
}
