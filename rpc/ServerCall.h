// ServerCall: one call being served, and the one state machine of its life.
// Generated service code reads the request from it and answers through it;
// handlers see it as a ServerContext (peer, deadline, cancellation, flow
// control).
//
// A call ends exactly once, in one of four ways: answered (finish or
// finishStream), cancelled (a CANCEL frame, or its connection closed),
// expired (its deadline passed: a server-side timer), or failed by the
// server. Whatever comes after the end is a no-op: an answer to a cancelled
// call, a write to a closed stream, a second finish. Cancellation and expiry
// are visible to the handler (isCancelled(), onCancel()); after them the
// server sends nothing more for the call, except that an expired stream ends
// with STREAM_END DEADLINE_EXCEEDED while its client is still there.
//
// Owned by shared_ptr: the connection's table of live calls, the done
// callback, a stream writer and the deadline timer may each hold it, so no
// path that finishes it can outlive it.
//
// Thread contract: finish(), write(), finishStream(), isReady(), onReady(),
// onCancel() and isCancelled() may be called from any thread;
// waitUntilReady() from any thread but the connection's loop thread.
// cancel(), expire() and notifyWritable() are RpcServer's, in the
// connection's loop thread. requestPayload() is valid only inside
// Service::callMethod.
#ifndef RPC_SERVERCALL_H_
#define RPC_SERVERCALL_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/Callbacks.h"
#include "muduo/net/InetAddress.h"
#include "muduo/net/TimerId.h"
#include "rpc/RpcStats.h"

namespace google::protobuf {
class MessageLite;
}  // namespace google::protobuf

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::rpc {

class ServerContext {
 public:
  virtual ~ServerContext() = default;
  [[nodiscard]] virtual const net::InetAddress& peer() const = 0;
  // steady_clock deadline; time_point::max() when the client set none.
  [[nodiscard]] virtual std::chrono::steady_clock::time_point deadline() const = 0;
  // The client cancelled, its connection dropped or the deadline passed: an
  // answer would be dropped, so long work may stop early.
  [[nodiscard]] virtual bool isCancelled() const = 0;
  // Runs `cb` once when the call is cancelled or expires, in the
  // connection's loop thread; at once, in this thread, if it already was.
  // Not run when the call ends by being answered. One callback per call (a
  // later one replaces an earlier one not yet run).
  virtual void onCancel(absl::AnyInvocable<void()> cb) = 0;
  // Bytes written to the call's connection that the kernel has not taken yet
  // (TcpConnection::queuedOutputBytes); 0 once the connection is gone. Shared
  // by every call on that connection. A stream that outpaces its client shows
  // here, so the handler can stop writing or end the stream instead of
  // letting the backlog grow without bound.
  [[nodiscard]] virtual size_t queuedOutputBytes() const = 0;
};

// Why a call cannot take another write just now, or never again.
enum class WriteReadiness { kReady, kFull, kClosed };

class ServerCall final : public ServerContext, public std::enable_shared_from_this<ServerCall> {
 public:
  // Answers go back over `conn` as MRPC frames. `started` (now, by
  // default) is when the call arrived: its latency is counted from there.
  ServerCall(const net::TcpConnectionPtr& conn, uint64_t callId, std::string_view payload,
             std::chrono::steady_clock::time_point deadline,
             std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now());
  // The same, in a block recycled through a free list of the calling
  // thread (RpcServer's, once per MRPC call): a steady stream of unary calls
  // costs no heap allocation. Blocks return to the list of the thread that
  // lets go of the call last, up to a bound; the rest go back to the heap.
  // RpcServer passes the time it read for the deadline as `started`: one
  // clock read fewer per call.
  static std::shared_ptr<ServerCall> make(const net::TcpConnectionPtr& conn, uint64_t callId,
                                          std::string_view payload,
                                          std::chrono::steady_clock::time_point deadline,
                                          std::chrono::steady_clock::time_point started);
  // Answers go to `responder` (any thread, once) instead: how the HTTP/JSON
  // gateway calls a service. Streams are not supported that way.
  using Responder =
      absl::AnyInvocable<void(const absl::Status&, const google::protobuf::MessageLite*)>;
  ServerCall(Responder responder, const net::InetAddress& peer, std::string payload,
             std::chrono::steady_clock::time_point deadline);
  // A stream answered over another protocol on `conn` (the gateway's NDJSON):
  // each message goes to `writer` (any thread; false once it cannot be
  // sent), the end to `responder` with a null message. Flow control,
  // cancellation by a closed connection and the budget's limits are those
  // of an MRPC stream, measured on `conn`; whoever owns `conn` must call
  // notifyWritable() when its output resumes and cancel() when it closes.
  using StreamWriter = absl::AnyInvocable<bool(const google::protobuf::MessageLite&)>;
  ServerCall(const net::TcpConnectionPtr& conn, Responder responder, StreamWriter writer,
             std::string payload, std::chrono::steady_clock::time_point deadline);

  [[nodiscard]] const net::InetAddress& peer() const override { return peer_; }
  [[nodiscard]] std::chrono::steady_clock::time_point deadline() const override {
    return deadline_;
  }
  [[nodiscard]] bool isCancelled() const override;
  void onCancel(absl::AnyInvocable<void()> cb) override;
  [[nodiscard]] size_t queuedOutputBytes() const override;

  [[nodiscard]] uint64_t callId() const { return callId_; }
  [[nodiscard]] std::string_view requestPayload() const { return payload_; }
  // Keeps a private copy of the payload, for dispatch to another thread.
  void ownPayload();

  // Unary answer. `response` is ignored unless status is OK.
  void finish(const absl::Status& status, const google::protobuf::MessageLite* response);
  // Server streaming. write() returns false once the call is over
  // (finished, cancelled, expired, connection gone); the message is then
  // dropped. A handler that keeps writing while isReady() is false past
  // four budgets' worth of output has its stream ended with
  // RESOURCE_EXHAUSTED, so no handler can make a connection hold unbounded
  // memory.
  bool write(const google::protobuf::MessageLite& message);
  void finishStream(const absl::Status& status);

  // Flow control for streams. Ready while the connection's queued output is
  // under its budget (ConnectionOptions::outputHighWaterMark) and, in the
  // loop thread, until the stream has written its share of one loop turn;
  // the call being over counts as kClosed.
  [[nodiscard]] WriteReadiness readiness() const;
  [[nodiscard]] bool isReady() const { return readiness() == WriteReadiness::kReady; }
  // Runs `cb` once, in the connection's loop thread, when the call is ready
  // for writes again or is over (check isCancelled() there). For handlers
  // that run in the loop thread and must not block. One at a time.
  void onReady(absl::AnyInvocable<void()> cb);
  // Blocks until ready (true) or the call is over (false). For handlers on
  // the worker pool; in the loop thread it cannot wait and only reports.
  bool waitUntilReady();
  // Marks the call as a server stream (set by ServerWriter), so expiry ends
  // it with STREAM_END.
  void setStreaming() { streaming_.store(true, std::memory_order_relaxed); }

  // RpcServer's, in the connection's loop thread.
  // A CANCEL frame or the connection closing: ends the call, sends nothing.
  void cancel();
  // The deadline passed: ends the call; a stream gets STREAM_END 4.
  void expire();
  // The connection's output drained below its budget: runs onReady.
  void notifyWritable();
  // Arms the deadline timer in `loop` (the connection's), if the call has a
  // deadline and is still running.
  void armDeadline(net::EventLoop* loop);

  [[nodiscard]] bool finished() const {
    return state_.load(std::memory_order_acquire) != State::kActive;
  }
  // Counts this call as in flight until it is destroyed.
  void trackInFlight(std::shared_ptr<std::atomic<int64_t>> counter) {
    counter->fetch_add(1, std::memory_order_relaxed);
    inFlight_ = std::move(counter);
  }
  // Records the call's outcome and latency in `stats` when it finishes.
  void trackStats(std::shared_ptr<RpcStats> stats, RpcStats::Entry* entry) {
    stats_ = std::move(stats);
    statsEntry_ = entry;
  }
  // A call still running when its last owner lets go is answered with
  // INTERNAL, so a handler that drops it cannot leave the client hanging.
  ~ServerCall() override;

 private:
  enum class State { kActive, kAnswered, kCancelled, kExpired };

  // Past the deadline: expire() now, and true.
  bool expireIfPast(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());
  // Moves from kActive to `to`; false when the call had already ended.
  bool end(State to);
  // After the end: stops the deadline timer, wakes writers waiting for
  // readiness, and (cancelled or expired) runs the on-cancel callback.
  // Most calls end with nobody watching them: no call, no lock, no wake-up.
  // Every watcher sets watched_ before it looks at state_, and end() changed
  // state_ before this load (both sequentially consistent), so a watcher
  // that saw the call active is seen here.
  void afterEnd(State how) {
    if (watched_.load()) wakeWatchers(how);
  }
  void wakeWatchers(State how);
  // Encodes a frame and sends it on the connection, from any thread. A
  // frame over the protocol's limit is replaced by an error (`final`) or
  // dropped, so one oversized answer never costs the client its connection.
  bool sendFrame(int type, const absl::Status& status,
                 const google::protobuf::MessageLite* payload);
  void runReadyCallback();
  // Ends a stream with `status`: a STREAM_END frame, or the responder.
  void sendStreamEnd(const absl::Status& status);
  // A responder call that cannot stream (the unary JSON path).
  [[nodiscard]] bool unaryResponder() const { return responder_ && !writer_; }

  const std::weak_ptr<net::TcpConnection> conn_;
  net::EventLoop* const loop_;  // the connection's; null for a responder call
  const net::InetAddress peer_;
  const uint64_t callId_;
  std::string_view payload_;
  std::string ownedPayload_;
  const std::chrono::steady_clock::time_point deadline_;
  const size_t outputBudget_;  // the connection's high-water mark
  std::atomic<State> state_{State::kActive};
  std::atomic<bool> streaming_{false};
  // Set once anything waits on the call's end (onCancel, onReady, a
  // deadline timer, a blocked writer); until then ending it takes no lock.
  std::atomic<bool> watched_{false};
  size_t bytesThisTurn_ = 0;  // loop thread only: written since the loop last polled
  mutable Mutex mutex_;
  Condition readyChanged_;
  absl::AnyInvocable<void()> onCancel_ ABSL_GUARDED_BY(mutex_);
  absl::AnyInvocable<void()> onReady_ ABSL_GUARDED_BY(mutex_);
  net::TimerId deadlineTimer_ ABSL_GUARDED_BY(mutex_);
  std::shared_ptr<std::atomic<int64_t>> inFlight_;
  Responder responder_;
  StreamWriter writer_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::shared_ptr<RpcStats> stats_;
  RpcStats::Entry* statsEntry_ = nullptr;

  void recordStats(bool ok,
                   std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());
};

// The typed writer a server-streaming handler gets: a cheap copyable handle.
template <typename T>
class ServerWriter {
 public:
  explicit ServerWriter(std::shared_ptr<ServerCall> call) : call_(std::move(call)) {
    call_->setStreaming();
  }
  // Any thread. False once the stream is over; then stop writing.
  bool Write(const T& message) { return call_->write(message); }
  // Any thread, once.
  void Finish(const absl::Status& status) { call_->finishStream(status); }
  [[nodiscard]] ServerContext* context() const { return call_.get(); }
  // Flow control (see ServerCall): write while IsReady(); then either
  // OnReady(continue) from the loop thread, or WaitUntilReady() on a worker.
  [[nodiscard]] bool IsReady() const { return call_->isReady(); }
  void OnReady(absl::AnyInvocable<void()> cb) { call_->onReady(std::move(cb)); }
  bool WaitUntilReady() { return call_->waitUntilReady(); }

 private:
  std::shared_ptr<ServerCall> call_;
};

}  // namespace muduo::rpc

#endif  // RPC_SERVERCALL_H_
