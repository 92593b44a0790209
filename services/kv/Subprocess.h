// Subprocess: runs a program for a test (the real kv_server and kv_client
// binaries), with its stdout and stderr in files, and every wait bounded.
//
// Test-only. Thread contract: one thread at a time.
#ifndef SERVICES_KV_SUBPROCESS_H_
#define SERVICES_KV_SUBPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace muduo::kv::test {

class Subprocess {
 public:
  // Starts argv[0] (a path) with the arguments; stdout goes to
  // `outputPrefix`.out and stderr to `outputPrefix`.err.
  Subprocess(const std::vector<std::string>& argv, const std::string& outputPrefix);
  // Kills (SIGKILL) and reaps the child if it still runs.
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  void kill(int signal);
  // The exit code, 128 + the signal if a signal ended it, or nullopt if it
  // still runs after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  [[nodiscard]] std::string out() const;
  [[nodiscard]] std::string err() const;

 private:
  const std::string outputPrefix_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

struct Finished {
  int code = -1;  // -1: did not finish in time (and was killed)
  std::string out;
  std::string err;
};

// Runs to completion, within `timeout`.
Finished run(const std::vector<std::string>& argv, const std::string& outputPrefix,
             std::chrono::milliseconds timeout = std::chrono::seconds(20));

// The path of a data dependency, e.g. "services/kv/kv_server".
std::string runfile(const std::string& path);
// $TEST_TMPDIR (or /tmp) + "/" + name.
std::string tempPath(const std::string& name);
// Waits up to `timeout` for `path` to exist; false if it never did.
bool waitForFile(const std::string& path, std::chrono::milliseconds timeout);
std::string readFile(const std::string& path);

}  // namespace muduo::kv::test

#endif  // SERVICES_KV_SUBPROCESS_H_
