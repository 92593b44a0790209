// ZooKeeperServer: a real, standalone ZooKeeper (Debian's zookeeperd, Java)
// for tests, run in the foreground as a child of the test on a free loopback
// port with its own temporary data directory. Never the system service.
//
// start() returns once the server answers the `srvr` four-letter word, so a
// client may connect at once. stop() ends it (SIGTERM, then SIGKILL) and
// restart() brings it back on the same port with the same data, which is how
// a test shows a ZooKeeper outage. The JVM dies with the test: the
// destructor kills it, and so does the kernel if the test process dies
// (ChildProcess.h).
//
// It is started for speed, not throughput (client JIT only, small heap,
// class-data sharing, no fsync): about a second on an idle machine.
//
// Test-only. Thread contract: one thread at a time; construct and start()
// in the test's main thread (see ChildProcess.h on why).
#ifndef RPC_NAMING_TESTING_ZOOKEEPERSERVER_H_
#define RPC_NAMING_TESTING_ZOOKEEPERSERVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "rpc/naming/testing/ChildProcess.h"

namespace muduo::rpc::naming::testing {

class ZooKeeperServer {
 public:
  struct Options {
    // 0: pick a free one (and pick again if the JVM lost a race for it).
    uint16_t port = 0;
    // ZooKeeper's tick; sessions may last from 2 to 120 ticks. 500 ms lets
    // tests use sessions as short as a second.
    std::chrono::milliseconds tickTime{500};
    // How long start() waits for the server to answer.
    std::chrono::seconds startTimeout{60};
  };

  ZooKeeperServer() : ZooKeeperServer(Options{}) {}
  explicit ZooKeeperServer(Options options);
  // Kills the server and removes its data directory.
  ~ZooKeeperServer();
  ZooKeeperServer(const ZooKeeperServer&) = delete;
  ZooKeeperServer& operator=(const ZooKeeperServer&) = delete;

  // Starts the JVM and waits until it serves. Errors say why, with the tail
  // of the server's output.
  [[nodiscard]] absl::Status start();
  // SIGTERM, then SIGKILL after a grace period; waits for the exit. The port
  // and data directory are kept for restart().
  void stop();
  // SIGKILL at once, as a crash would.
  void kill();
  // stop() if running, then start() on the same port and data directory.
  [[nodiscard]] absl::Status restart();

  [[nodiscard]] bool running() const { return process_ != nullptr; }
  [[nodiscard]] uint16_t port() const { return port_; }
  // "127.0.0.1:<port>", what a client's connect string needs.
  [[nodiscard]] std::string connectString() const;
  [[nodiscard]] const std::string& dataDir() const { return dataDir_; }
  // -1 when not running.
  [[nodiscard]] pid_t jvmPid() const { return process_ ? process_->pid() : -1; }
  // Everything the JVM printed (all its starts).
  [[nodiscard]] std::string output() const;

 private:
  absl::Status startOnce();
  void writeConfig() const;

  const Options options_;
  const std::string dataDir_;
  uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// Sends a four-letter word ("srvr", "ruok", ...) to the server on a fresh
// connection and returns the answer;
// empty if it does not answer within `timeout`. Any thread.
[[nodiscard]] std::string fourLetterWord(uint16_t port, const std::string& word,
                                         std::chrono::milliseconds timeout);

}  // namespace muduo::rpc::naming::testing

#endif  // RPC_NAMING_TESTING_ZOOKEEPERSERVER_H_
