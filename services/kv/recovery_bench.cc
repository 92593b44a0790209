// kv_recovery_bench: how fast Store::open replays a log. Writes a log of
// about --mb megabytes (puts of --keys distinct keys, round robin, values
// sized to fit, in scrambled order) through a Store under --sync=none with compaction off, closes
// it, then reopens it --reopens times and prints MB/s and the restart time.
//
//   tools/bazel run --config=opt //services/kv:kv_recovery_bench -- --mb=256 --keys=1000000
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "services/kv/Store.h"

ABSL_FLAG(std::string, dir, "/tmp/kv_recovery_bench", "data directory (emptied first)");
ABSL_FLAG(uint64_t, mb, 256, "log size to write, in MiB");
ABSL_FLAG(uint64_t, keys, 1000000, "distinct keys (written round robin)");
ABSL_FLAG(int, reopens, 3, "timed reopens");
ABSL_FLAG(bool, scramble, true, "write keys in scrambled order (false: ascending)");
ABSL_FLAG(bool, reuse, false, "reopen what an earlier run left in --dir instead of writing");

int main(int argc, char* argv[]) {
  absl::ParseCommandLine(argc, argv);
  muduo::Logger::setLogLevel(muduo::LogLevel::kWarn);
  const std::string dir = absl::GetFlag(FLAGS_dir);
  const uint64_t target = absl::GetFlag(FLAGS_mb) << 20;
  const uint64_t keys = absl::GetFlag(FLAGS_keys);
  const bool reuse = absl::GetFlag(FLAGS_reuse) && std::filesystem::exists(dir);
  const bool scramble = absl::GetFlag(FLAGS_scramble);
  if (!reuse) std::filesystem::remove_all(dir);

  muduo::kv::Store::Options options;
  options.dir = dir;
  options.sync = muduo::kv::SyncMode::kNone;
  options.compactionMinBytes = UINT64_MAX;  // measure replay, not compaction
  // Each op costs about key + value + 3 bytes, plus a record header per batch.
  const uint64_t perOp = std::max<uint64_t>(target / std::max<uint64_t>(keys, 1), 32);
  const size_t valueSize = perOp - 16;
  if (!reuse) {
    auto store = muduo::kv::Store::open(options);
    if (!store.ok()) {
      fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
      return 1;
    }
    const std::string value(valueSize, 'v');
    uint64_t i = 0;
    while ((*store)->stats().logBytes < target) {
      muduo::kv::WriteBatch batch;
      for (int j = 0; j < 100; ++j, ++i) {
        // Scrambled (a multiplier coprime to 10^k), so inserts land all over
        // the tree as real keys do, not appended in order.
        const uint64_t n = scramble ? (i * 2654435761u) % keys : i % keys;
        batch.put(absl::StrCat("key", 10000000000 + n), value);
      }
      (*store)->write(std::move(batch), [](absl::Status s, muduo::kv::WriteBatch&) {
        if (!s.ok()) fprintf(stderr, "write: %s\n", s.ToString().c_str());
      });
    }
  }
  uint64_t logBytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().starts_with("log-")) logBytes += entry.file_size();
  }
  for (int r = 0; r < absl::GetFlag(FLAGS_reopens); ++r) {
    const auto start = std::chrono::steady_clock::now();
    auto store = muduo::kv::Store::open(options);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!store.ok()) {
      fprintf(stderr, "reopen: %s\n", store.status().ToString().c_str());
      return 1;
    }
    printf("reopen %d: %.1f MiB of log, %zu keys, %.3f s, %.0f MiB/s\n", r + 1,
           static_cast<double>(logBytes) / (1 << 20), (*store)->stats().keys, seconds,
           static_cast<double>(logBytes) / (1 << 20) / seconds);
  }
  return 0;
}
