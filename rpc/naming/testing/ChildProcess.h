// ChildProcess: a program a test starts (a ZooKeeper JVM, a real echo_server)
// that can never outlive the test: the child asks the kernel for SIGKILL
// when the thread that started it dies (PR_SET_PDEATHSIG), and the destructor
// kills and reaps it. stdout and stderr go to one file.
//
// Start it from a thread that lives as long as the child should (the test's
// main thread): the kernel's "parent death" is the death of that thread.
//
// Test-only. Thread contract: one thread at a time.
#ifndef RPC_NAMING_TESTING_CHILDPROCESS_H_
#define RPC_NAMING_TESTING_CHILDPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace muduo::rpc::naming::testing {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with the arguments, output appended to
  // `outputPath`. pid() is -1 if fork failed.
  ChildProcess(const std::vector<std::string>& argv, const std::string& outputPath);
  // SIGKILL and reap if it still runs.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool running();
  void signal(int signo);
  // The exit code, 128 + the signal if a signal ended it, or nullopt if it
  // still runs after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL if it has not exited after `grace`; reaps it.
  int stop(std::chrono::milliseconds grace);
  [[nodiscard]] std::string output() const;

 private:
  const std::string outputPath_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// The port a server started with --port_file=`portFile` (muduo's
// ServerRunner) wrote on its "rpc_port=" line, once it is there; 0 if
// `process` exited or `timeout` passed first.
[[nodiscard]] uint16_t waitForRpcPort(ChildProcess& process, const std::string& portFile,
                                      std::chrono::milliseconds timeout);
// The path of a Bazel data dependency, e.g. "services/echo/echo_server".
[[nodiscard]] std::string runfile(const std::string& path);
// A fresh directory under $TEST_TMPDIR (or /tmp) whose name starts with
// `prefix`.
[[nodiscard]] std::string makeTempDir(const std::string& prefix);

}  // namespace muduo::rpc::naming::testing

#endif  // RPC_NAMING_TESTING_CHILDPROCESS_H_
