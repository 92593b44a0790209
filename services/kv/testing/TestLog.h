// Test helpers for the store's pieces: a whole log record, a fresh
// directory under $TEST_TMPDIR for each test's data, and a store opened in
// one.
//
// Thread safety: freshTestDir() numbers directories with an atomic
// counter; every helper may be called from any thread.
#ifndef SERVICES_KV_TESTING_TESTLOG_H_
#define SERVICES_KV_TESTING_TESTLOG_H_

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/kv/LogFormat.h"
#include "services/kv/Store.h"

namespace muduo::kv::testing {

// One kMutations record holding one put.
inline std::string putRecord(std::string_view key, std::string_view value) {
  std::string out;
  const size_t start = log::beginRecord(&out);
  log::appendPut(&out, key, value);
  log::finishRecord(&out, start, log::RecordType::kMutations);
  return out;
}

// A path under $TEST_TMPDIR (or /tmp) that does not exist yet.
inline std::string freshTestDir(std::string_view prefix) {
  static std::atomic<int> counter{0};
  const char* tmp = ::getenv("TEST_TMPDIR");
  std::string path = std::string(tmp != nullptr ? tmp : "/tmp") + "/" + std::string(prefix) + "_" +
                     std::to_string(counter++);
  std::filesystem::remove_all(path);
  return path;
}

// A store with default options but `sync`, in a fresh directory (left in
// *dir, for tests that reopen it).
inline absl::StatusOr<std::unique_ptr<Store>> openTestStore(std::string_view prefix, SyncMode sync,
                                                            std::string* dir) {
  *dir = freshTestDir(prefix);
  Store::Options options;
  options.dir = *dir;
  options.sync = sync;
  return Store::open(options);
}

}  // namespace muduo::kv::testing

#endif  // SERVICES_KV_TESTING_TESTLOG_H_
