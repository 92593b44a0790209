// ServerCall: one call being served. Generated service code reads the
// request from it and answers through it; handlers see it as a
// ServerContext (peer, deadline, cancelled, queued output).
//
// Owned by shared_ptr: the connection's table of live calls, the done
// callback and a stream writer may each hold it.
//
// Thread contract: finish(), write() and finishStream() may be called from
// any thread, finish()/finishStream() at most once (later calls are ignored
// and logged). requestPayload() is valid only inside Service::callMethod.
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
#include "muduo/net/Callbacks.h"
#include "muduo/net/InetAddress.h"
#include "rpc/RpcStats.h"

namespace google::protobuf {
class MessageLite;
}  // namespace google::protobuf

namespace muduo::rpc {

class ServerContext {
 public:
  virtual ~ServerContext() = default;
  [[nodiscard]] virtual const net::InetAddress& peer() const = 0;
  // steady_clock deadline; time_point::max() when the client set none.
  [[nodiscard]] virtual std::chrono::steady_clock::time_point deadline() const = 0;
  // The client cancelled, its connection dropped or the deadline passed: an
  // answer would be dropped, so long work may stop early.
  [[nodiscard]] virtual bool cancelled() const = 0;
  // Bytes written to the call's connection that the kernel has not taken yet
  // (TcpConnection::queuedOutputBytes); 0 once the connection is gone. Shared
  // by every call on that connection. A stream that outpaces its client shows
  // here, so the handler can stop writing or end the stream instead of
  // letting the backlog grow without bound.
  [[nodiscard]] virtual size_t queuedOutputBytes() const = 0;
};

class ServerCall final : public ServerContext, public std::enable_shared_from_this<ServerCall> {
 public:
  // Answers go back over `conn` as MRPC frames.
  ServerCall(const net::TcpConnectionPtr& conn, uint64_t callId, std::string_view payload,
             std::chrono::steady_clock::time_point deadline);
  // Answers go to `responder` (any thread, once) instead: how the HTTP/JSON
  // gateway calls a service. Streams are not supported that way.
  using Responder =
      absl::AnyInvocable<void(const absl::Status&, const google::protobuf::MessageLite*)>;
  ServerCall(Responder responder, const net::InetAddress& peer, std::string payload,
             std::chrono::steady_clock::time_point deadline);

  [[nodiscard]] const net::InetAddress& peer() const override { return peer_; }
  [[nodiscard]] std::chrono::steady_clock::time_point deadline() const override {
    return deadline_;
  }
  [[nodiscard]] bool cancelled() const override;
  [[nodiscard]] size_t queuedOutputBytes() const override;

  [[nodiscard]] uint64_t callId() const { return callId_; }
  [[nodiscard]] std::string_view requestPayload() const { return payload_; }
  // Keeps a private copy of the payload, for dispatch to another thread.
  void ownPayload();

  // Unary answer. `response` is ignored unless status is OK.
  void finish(const absl::Status& status, const google::protobuf::MessageLite* response);
  // Server streaming. write() returns false once the call is over
  // (finished, cancelled, connection gone); the message is then dropped.
  bool write(const google::protobuf::MessageLite& message);
  void finishStream(const absl::Status& status);

  // Called by RpcServer in the connection's loop thread.
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  [[nodiscard]] bool finished() const { return finished_.load(std::memory_order_acquire); }
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
  ~ServerCall() override {
    if (inFlight_ != nullptr) inFlight_->fetch_sub(1, std::memory_order_relaxed);
  }

 private:
  // Encodes a frame and sends it on the connection, from any thread.
  bool sendFrame(int type, const absl::Status& status,
                 const google::protobuf::MessageLite* payload);

  const std::weak_ptr<net::TcpConnection> conn_;
  const net::InetAddress peer_;
  const uint64_t callId_;
  std::string_view payload_;
  std::string ownedPayload_;
  const std::chrono::steady_clock::time_point deadline_;
  std::atomic<bool> finished_{false};
  std::atomic<bool> cancelled_{false};
  std::shared_ptr<std::atomic<int64_t>> inFlight_;
  Responder responder_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::shared_ptr<RpcStats> stats_;
  RpcStats::Entry* statsEntry_ = nullptr;

  void recordStats(bool ok);
};

// The typed writer a server-streaming handler gets: a cheap copyable handle.
template <typename T>
class ServerWriter {
 public:
  explicit ServerWriter(std::shared_ptr<ServerCall> call) : call_(std::move(call)) {}
  // Any thread. False once the stream is over; then stop writing.
  bool Write(const T& message) { return call_->write(message); }
  // Any thread, once.
  void Finish(const absl::Status& status) { call_->finishStream(status); }
  [[nodiscard]] ServerContext* context() const { return call_.get(); }

 private:
  std::shared_ptr<ServerCall> call_;
};

}  // namespace muduo::rpc

#endif  // RPC_SERVERCALL_H_
