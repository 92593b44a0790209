// ServerRunner: what every service's main() shares. It sends logs to
// AsyncLogging (rolling files in a log directory, or stderr when none is
// given), runs the base EventLoop, and turns SIGINT / SIGTERM into a
// graceful shutdown: the service stops accepting and finishes in-flight
// work, then the loop quits and the logs are flushed.
//
// Thread contract: construct and run() in the main thread, before any other
// thread is started (the signal mask set here is inherited by every thread
// created later, so only the runner's own thread receives the signals).
#ifndef SERVICES_COMMON_SERVERRUNNER_H_
#define SERVICES_COMMON_SERVERRUNNER_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "muduo/net/EventLoop.h"

namespace muduo {
class AsyncLogging;
class Thread;
}  // namespace muduo

namespace services {

class ServerRunner {
 public:
  // Called once in the loop thread when a stop signal arrives; calls `done`
  // (from any thread) when in-flight work has finished.
  using Shutdown = absl::AnyInvocable<void(absl::AnyInvocable<void()> done)>;

  // `logDir` empty: log to stderr. Otherwise files <logDir>/<name>.*.log.
  ServerRunner(std::string name, const std::string& logDir);
  ~ServerRunner();
  ServerRunner(const ServerRunner&) = delete;
  ServerRunner& operator=(const ServerRunner&) = delete;

  [[nodiscard]] muduo::net::EventLoop* loop() { return &loop_; }

  // Runs the loop until a stop signal has been handled; returns the exit code.
  int run(Shutdown shutdown);

  // Behaves as if SIGTERM arrived. Any thread; for tests.
  void requestStop();

 private:
  void startShutdown();

  const std::string name_;
  std::unique_ptr<muduo::AsyncLogging> log_;
  muduo::net::EventLoop loop_;
  std::unique_ptr<muduo::Thread> signalThread_;
  Shutdown shutdown_;  // loop thread only
  bool stopping_ = false;
  std::atomic<bool> signalled_{false};
};

}  // namespace services

#endif  // SERVICES_COMMON_SERVERRUNNER_H_
