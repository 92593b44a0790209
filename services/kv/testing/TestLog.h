// Test helpers for the store's pieces: a whole log record, and a fresh
// directory under $TEST_TMPDIR for each test's data.
//
// Thread safety: freshTestDir() numbers directories with an atomic
// counter; both helpers may be called from any thread.
#ifndef SERVICES_KV_TESTING_TESTLOG_H_
#define SERVICES_KV_TESTING_TESTLOG_H_

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "services/kv/LogFormat.h"

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

}  // namespace muduo::kv::testing

#endif  // SERVICES_KV_TESTING_TESTLOG_H_
