// Fuzzes the store's start-up over arbitrary data directories: the input
// becomes a log, a snapshot and a second log under the store's own file
// names (DataDir), then Store::open runs recoverDirectory over them, and
// Store::repair runs over a second copy.
//
// Input: a flags byte, then up to three files separated by kSeparator:
//   log-1 [kSeparator snapshot-S [kSeparator log-L]]
// A part that is absent makes no file; an empty part is an empty file.
//   bit 0: the parts are records to write with valid checksums, each
//          type:u8 length:u8 payload[length], then whatever is left (a torn
//          tail), as LogReader_fuzzer does, so the fuzzer gets past the CRC;
//          bit 1 then puts the current file header first;
//   bit 2: S is 2 (a snapshot newer than log-1), else 1;
//   bit 3: L is 3 (a gap in the chain), else 2.
// The seeds are directories the store wrote itself
// (services/kv/testing/make_recovery_seeds.cc), whole and damaged.
//
// Properties, beyond "no crash and no hang":
//  - open either succeeds or fails with DATA_LOSS or FAILED_PRECONDITION
//    and a message;
//  - when it opens, opening again gives the same keys, values and expiry
//    times (recovery is deterministic, and what it changed on disk, a cut
//    torn tail, a removed stale file, changes nothing a reader sees);
//  - repair over the same files never crashes and fails only with a clear
//    status; after a repair that succeeded the store opens, and when the
//    files opened as they were, it opens to the same keys;
//  - heap use stays within a fixed multiple of the input.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/kv/LogFormat.h"
#include "services/kv/Store.h"
#include "services/kv/testing/RecordFraming.h"
#include "tools/fuzzing/AllocationBudget.h"
#include "tools/fuzzing/QuietLogs.h"

namespace muduo::kv {
namespace {

constexpr std::string_view kSeparator = "\n#MKV-FILE#\n";
// Any fixed time: expiry must read the same on every open.
constexpr int64_t kNowMs = int64_t{1'790'000'000'000};

void require(bool ok, const char* what, const absl::Status& status = absl::OkStatus()) {
  if (!ok) {
    std::fprintf(stderr, "Recovery_fuzzer: property violated: %s (%s)\n", what,
                 status.ToString().c_str());
    std::abort();
  }
}

// (file name, contents) for each file the input makes.
std::vector<std::pair<std::string, std::string>> filesOf(const uint8_t* data, size_t size) {
  std::vector<std::pair<std::string, std::string>> files;
  if (size == 0) return files;
  const uint8_t flags = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string names[3] = {
      "log-000000000001",
      (flags & 4) != 0 ? "snapshot-000000000002" : "snapshot-000000000001",
      (flags & 8) != 0 ? "log-000000000003" : "log-000000000002",
  };
  for (int i = 0; i < 3; ++i) {
    const size_t end = i < 2 ? rest.find(kSeparator) : std::string_view::npos;
    std::string_view part = rest.substr(0, end);
    files.emplace_back(names[i], (flags & 1) != 0 ? testing::frameRecords(part, (flags & 2) != 0)
                                                  : std::string(part));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + kSeparator.size());
  }
  return files;
}

std::string scratchDir(std::string_view which) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/Recovery_fuzzer." +
         std::to_string(::getpid()) + "." + std::string(which);
}

void writeDirectory(const std::string& dir,
                    const std::vector<std::pair<std::string, std::string>>& files) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (const auto& [name, contents] : files) {
    std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    require(out.good(), "the scratch file is written");
  }
}

Store::Options optionsFor(const std::string& dir) {
  Store::Options options;
  options.dir = dir;
  options.sync = SyncMode::kNone;
  options.expiryInterval = std::chrono::milliseconds(0);
  options.compactionMinBytes = uint64_t{1} << 40;  // no compaction thread
  options.clock = [] { return kNowMs; };
  return options;
}

// Every key with its value and expiry time, and the key count.
using Contents = std::tuple<std::vector<std::pair<std::string, std::string>>,
                            std::vector<std::optional<int64_t>>, size_t>;

Contents contentsOf(const Store& store) {
  bool more = false;
  auto entries = store.scan("", std::nullopt, std::numeric_limits<size_t>::max(),
                            std::numeric_limits<size_t>::max(), &more);
  require(!more, "a scan without limits returns every key");
  std::vector<std::optional<int64_t>> expiry;
  for (const auto& [key, value] : entries) expiry.push_back(store.expireAt(key));
  return {std::move(entries), std::move(expiry), store.size()};
}

bool clearRefusal(const absl::Status& status) {
  return (absl::IsDataLoss(status) || absl::IsFailedPrecondition(status)) &&
         !status.message().empty();
}

// Opens `dir`: nullopt when it is refused (clearly).
std::optional<Contents> openAndRead(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::open(optionsFor(dir));
  if (!store.ok()) {
    require(clearRefusal(store.status()), "open fails only with a clear status", store.status());
    return std::nullopt;
  }
  return contentsOf(**store);
}

void runOne(const uint8_t* data, size_t size) {
  const auto files = filesOf(data, size);
  const std::string dir = scratchDir("open");
  writeDirectory(dir, files);
  const std::optional<Contents> opened = openAndRead(dir);
  if (opened) {
    const std::optional<Contents> again = openAndRead(dir);
    require(again.has_value(), "a directory that opened opens again");
    require(*again == *opened, "reopening gives the same keys");
  }

  const std::string repairDir = scratchDir("repair");
  writeDirectory(repairDir, files);
  absl::StatusOr<std::string> report = Store::repair(optionsFor(repairDir));
  if (report.ok()) {
    require(!report->empty(), "a repair reports what it did");
    absl::StatusOr<std::unique_ptr<Store>> repaired = Store::open(optionsFor(repairDir));
    require(repaired.ok(), "after a repair the store opens", repaired.status());
    if (opened) {
      require(contentsOf(**repaired) == *opened,
              "repairing a directory that opened keeps every key");
    }
  } else {
    require(clearRefusal(report.status()), "repair fails only with a clear status",
            report.status());
  }
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(repairDir);
}

}  // namespace
}  // namespace muduo::kv

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Recovery logs every torn tail and every file it opens.
  muduo::fuzzing::discardLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  muduo::fuzzing::AllocationBudget budget;
  muduo::kv::runOne(data, size);
  // Three copies of the input (two directories and the framing), each
  // replayed into a table, with a key's overhead per op of a few bytes.
  budget.check(size, 2048, 2 * 1024 * 1024);
  return 0;
}
