// TestService: a hand-written muduo.rpc.testing.TestService for the RPC
// runtime's tests. It does what generated code does - parse
// call->requestPayload(), answer with call->finish() or stream through a
// ServerWriter - plus hooks that let a test hold, block and observe calls.
//
// Methods (request EchoRequest, messages EchoResponse):
//   Echo    unary: answers `text`, repeated `count` times when count > 1;
//           after `delay_ms` (via the I/O loop's runAfter) when positive.
//   Hold    unary: keeps the call and never answers it.
//   Block   unary: blocks its thread until openGate() (at most 10 s), then
//           answers `text`. Meant for a server with a worker pool.
//   Stream  server stream: `count` messages "<text>0", "<text>1", ... then
//           OK, written only while the call is ready (flow control): the
//           rest waits for onReady, so a client that does not read holds
//           the stream, not the server's memory.
//   Ticker  server stream: a message every `delay_ms` (at least 1) until
//           write() fails (the call was cancelled or its connection is gone).
//
// Owns nothing of the server's; it must outlive the RpcServer and the loops
// that serve it, since queued timers refer to it.
//
// Thread contract: callMethod() runs in I/O or worker threads, concurrently;
// every other method may be called from any thread. The wait functions are
// bounded and return false on timeout.
#ifndef RPC_TESTING_TESTSERVICE_H_
#define RPC_TESTING_TESTSERVICE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "muduo/base/Mutex.h"
#include "rpc/ServerCall.h"
#include "rpc/Service.h"

namespace muduo::rpc::testing {

class EchoRequest;

class TestService final : public Service {
 public:
  static constexpr std::string_view kName = "muduo.rpc.testing.TestService";

  TestService() = default;
  TestService(const TestService&) = delete;
  TestService& operator=(const TestService&) = delete;

  [[nodiscard]] std::string_view serviceName() const override { return kName; }
  bool callMethod(std::string_view method, const std::shared_ptr<ServerCall>& call) override;

  // Hold: waits until `n` calls are held.
  [[nodiscard]] bool waitForHeld(size_t n, std::chrono::milliseconds timeout);
  // Hold: the held calls themselves (their ServerContext).
  [[nodiscard]] std::vector<std::shared_ptr<ServerCall>> heldCalls();
  // Block: waits until `n` handlers are blocked at the gate.
  [[nodiscard]] bool waitForBlocked(int n, std::chrono::milliseconds timeout);
  void openGate();
  // Ticker: waits until a ticker found its call over; returns how many
  // messages it had written.
  [[nodiscard]] bool waitForTickerStopped(std::chrono::milliseconds timeout, int64_t* written);
  // Echo: waits until `n` calls have arrived (answered or not yet).
  [[nodiscard]] bool waitForEchoReceived(int64_t n, std::chrono::milliseconds timeout);

  // Every call that reached callMethod(), known method or not.
  [[nodiscard]] int64_t callsReceived() const;
  // Echo: answers sent, the threads the handlers ran in, the peers seen.
  [[nodiscard]] int64_t echoAnswered() const;
  [[nodiscard]] std::set<int> echoThreads() const;
  [[nodiscard]] std::set<std::string> echoPeers() const;
  // Stream: messages written so far over all streams, the most output
  // queued on a stream's connection after any of its writes, and how many
  // streams saw their call cancelled through onCancel.
  [[nodiscard]] int64_t streamWritten() const;
  [[nodiscard]] size_t streamMaxQueued() const;
  [[nodiscard]] int64_t streamsCancelled() const;

 private:
  struct Ticker;
  struct Streamer;

  void echo(const std::shared_ptr<ServerCall>& call, EchoRequest request);
  void answerEcho(const std::shared_ptr<ServerCall>& call, const std::string& text);
  void tick(const std::shared_ptr<Ticker>& ticker);
  // Writes while the call is ready, then waits for onReady.
  void pump(const std::shared_ptr<Streamer>& streamer);

  mutable Mutex mutex_;
  Condition changed_;
  std::vector<std::shared_ptr<ServerCall>> held_ ABSL_GUARDED_BY(mutex_);
  int blocked_ ABSL_GUARDED_BY(mutex_) = 0;
  bool gateOpen_ ABSL_GUARDED_BY(mutex_) = false;
  bool tickerStopped_ ABSL_GUARDED_BY(mutex_) = false;
  int64_t tickerWritten_ ABSL_GUARDED_BY(mutex_) = 0;
  int64_t callsReceived_ ABSL_GUARDED_BY(mutex_) = 0;
  int64_t echoReceived_ ABSL_GUARDED_BY(mutex_) = 0;
  int64_t echoAnswered_ ABSL_GUARDED_BY(mutex_) = 0;
  std::set<int> echoThreads_ ABSL_GUARDED_BY(mutex_);
  std::set<std::string> echoPeers_ ABSL_GUARDED_BY(mutex_);
  std::atomic<int64_t> streamWritten_{0};
  std::atomic<size_t> streamMaxQueued_{0};
  std::atomic<int64_t> streamsCancelled_{0};
};

}  // namespace muduo::rpc::testing

#endif  // RPC_TESTING_TESTSERVICE_H_
