// ServerRunner: what every server's main() shares, so that a new server is
// its service wiring and nothing else.
//
// It owns the process's base EventLoop, the logging set-up (rolling files in
// --log_dir through AsyncLogging, or stderr), and turns SIGINT / SIGTERM into
// a graceful shutdown: the server stops accepting and finishes in-flight
// work, then the loop quits and the logs are flushed.
//
// It also defines the flags every server has, so they mean the same thing in
// every binary: --port, --threads, --log_dir, --log_level, --log_overflow,
// --busy_poll_us and --port_file here, --bind in ListenFlags.h.
//
// --log_overflow=block|drop (default block) is AsyncLogging's policy when the
// disk falls 100 MB behind the log: block slows the logging threads to the
// disk's speed and loses nothing; drop keeps serving at full speed and sheds
// lines, counted in the log itself and in Logger::droppedLines(), which the
// RPC gateway shows on /status and /metrics. Block is the default because
// the lines written during an overload are the ones an operator needs.
//
// --busy_poll_us=N (default 0, off) sets EventLoop::setBusyPoll on every
// loop the process makes: after a busy iteration a loop polls without
// sleeping for up to N us, trading at most N us of CPU per busy iteration
// for the 25-35 us a halted CPU takes to wake. For latency-bound servers
// with a core to spare; an idle server still sleeps. A binary gives its own defaults for --port
// and --threads with setServerFlagDefaults() before parsing its command line
// (muduo/base/ProgramFlags.h), so --help shows them.
//
// A server's main() in full (see docs/FIRST_SERVICE.md):
//
//   muduo::net::setServerFlagDefaults({.port = 9091, .threads = 1});
//   muduo::parseProgramFlags(argc, argv, usage);
//   muduo::net::ServerRunner runner("echo_server");   // first: signal mask
//   muduo::rpc::RpcServer server(runner.loop(), runner.listenAddress(), ...);
//   ... server.start();
//   runner.serving({{"rpc", server.listenAddress()}});
//   return runner.run([&](auto done) { server.shutdown(5s, std::move(done)); });
//
// Thread contract: construct and run() in the main thread, before any other
// thread is started (the signal mask set here is inherited by every thread
// created later, so only the runner's own thread receives the signals).
// requestStop() may be called from any thread.
#ifndef MUDUO_NET_SERVERRUNNER_H_
#define MUDUO_NET_SERVERRUNNER_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "muduo/base/AsyncLogging.h"
#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/InetAddress.h"

ABSL_DECLARE_FLAG(int, port);
ABSL_DECLARE_FLAG(int, threads);
ABSL_DECLARE_FLAG(std::string, log_dir);
ABSL_DECLARE_FLAG(std::string, log_level);
ABSL_DECLARE_FLAG(std::string, log_overflow);
ABSL_DECLARE_FLAG(int, busy_poll_us);
ABSL_DECLARE_FLAG(std::string, port_file);

namespace muduo {
class Thread;
}  // namespace muduo

namespace muduo::net {

struct ServerFlagDefaults {
  int port = 0;
  int threads = 1;
};

// Sets the defaults of --port and --threads for this binary. Call before
// parsing the command line.
void setServerFlagDefaults(ServerFlagDefaults defaults);

class ServerRunner {
 public:
  // Called once in the loop thread when a stop signal arrives; calls `done`
  // (from any thread) when in-flight work has finished.
  using Shutdown = absl::AnyInvocable<void(absl::AnyInvocable<void()> done)>;

  struct Options {
    InetAddress listenAddress = InetAddress(uint16_t{0}, /*loopbackOnly=*/true);
    int threads = 1;
    std::string logDir;                // empty: log to stderr
    std::optional<LogLevel> logLevel;  // unset: MUDUO_LOG_LEVEL, else INFO
    AsyncLogging::Overflow logOverflow = AsyncLogging::Overflow::kBlock;
    std::chrono::microseconds busyPoll{0};  // 0: off
    std::string portFile;                   // empty: none
  };

  // The shared server flags, checked: INVALID_ARGUMENT naming the flag when
  // one makes no sense (--port=70000, --threads=-1, --log_level=LOUD,
  // --log_overflow=lose, --busy_poll_us=-1).
  [[nodiscard]] static absl::StatusOr<Options> optionsFromFlags();

  // From the flags. A bad value, or a --log_dir that cannot be created or
  // written, prints "<name>: <reason>" and exits 2: a server whose logs
  // would be lost should not start.
  explicit ServerRunner(std::string name);
  // For tests and embedders: never exits; check status().
  ServerRunner(std::string name, Options options);
  ~ServerRunner();
  ServerRunner(const ServerRunner&) = delete;
  ServerRunner& operator=(const ServerRunner&) = delete;

  [[nodiscard]] muduo::net::EventLoop* loop() { return &loop_; }
  [[nodiscard]] const InetAddress& listenAddress() const { return options_.listenAddress; }
  [[nodiscard]] int threads() const { return options_.threads; }
  // Why the log directory could not be used; OK otherwise.
  [[nodiscard]] const absl::Status& status() const { return status_; }

  // Says the server is up: "<name> listening on 127.0.0.1:9091" on stdout
  // (the terminal sees it even when the logs go to files) and in the log,
  // and when --port_file is set writes one "<label>_port=N" line per
  // listener to it (atomically, by rename), for scripts that used port 0.
  // Loop thread. Returns an error only when the port file cannot be written.
  absl::Status serving(const std::vector<std::pair<std::string, InetAddress>>& listeners);

  // Runs the loop until a stop signal has been handled; returns the exit code.
  int run(Shutdown shutdown);

  // Behaves as if SIGTERM arrived. Any thread; for tests.
  void requestStop();

 private:
  void startShutdown();

  const std::string name_;
  const Options options_;
  absl::Status status_;
  std::unique_ptr<muduo::AsyncLogging> log_;
  muduo::net::EventLoop loop_;
  std::unique_ptr<muduo::Thread> signalThread_;
  Shutdown shutdown_;  // loop thread only
  bool stopping_ = false;
  std::atomic<bool> signalled_{false};
};

}  // namespace muduo::net

#endif  // MUDUO_NET_SERVERRUNNER_H_
