// EchoStubRun: drives `total` Echo("hello") calls through a generated
// EchoService::Stub, `concurrency` in flight at a time, from the channel's
// loop, and counts what came back. For tests that drive a cluster channel
// while they kill or cut off a server.
//
// Test-only. Thread contract: construct and go() from a thread other than
// `loop`'s; onProgress runs in the loop after each completion and may look
// at the channel there; the counters are read after go() returned.
#ifndef SERVICES_ECHO_ECHOSTUBRUN_H_
#define SERVICES_ECHO_ECHOSTUBRUN_H_

#include <chrono>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "muduo/base/CountDownLatch.h"
#include "services/echo/echo.rpc.h"

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::echo {

class EchoStubRun {
 public:
  EchoStubRun(EchoService::Stub* stub, net::EventLoop* loop, int total, int concurrency);
  EchoStubRun(const EchoStubRun&) = delete;
  EchoStubRun& operator=(const EchoStubRun&) = delete;

  std::function<void(int completed)> onProgress;
  // Blocks until every call completed; false after `timeout`.
  bool go(std::chrono::milliseconds timeout);
  [[nodiscard]] int ok() const { return ok_; }
  [[nodiscard]] const std::vector<absl::Status>& failures() const { return failures_; }
  // When the last failure completed.
  [[nodiscard]] std::chrono::steady_clock::time_point lastFailure() const { return lastFailure_; }

 private:
  void startOne();

  EchoService::Stub* const stub_;
  net::EventLoop* const loop_;
  const int total_;
  const int concurrency_;
  EchoRequest request_;
  // Loop thread until done_.
  int started_ = 0;
  int ok_ = 0;
  std::vector<absl::Status> failures_;
  std::chrono::steady_clock::time_point lastFailure_;
  CountDownLatch done_{1};
};

}  // namespace muduo::echo

#endif  // SERVICES_ECHO_ECHOSTUBRUN_H_
