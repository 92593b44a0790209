// RpcChannel: the client end of one MRPC connection. Many calls are in
// flight at once, matched to answers by call id, completed in any order.
//
// Every unary call has a deadline (the channel default unless CallOptions
// says otherwise) enforced by the loop's timers, so it completes with
// DEADLINE_EXCEEDED even when the server never answers. When the connection
// drops, every pending call fails at once with UNAVAILABLE and the channel
// reconnects with back-off.
//
// Fail fast, as gRPC does by default: while the last attempt to connect has
// failed, a call fails at once with UNAVAILABLE and the reason
// ("connect to 127.0.0.1:9090: Connection refused"), and so do the calls that
// were waiting for that attempt. CallOptions::waitForReady keeps a call
// waiting for the retries instead, up to its deadline.
//
// A call that fails before any of its bytes could have reached the server
// (the connection was never up, or the channel was being destroyed) carries
// a mark that neverReachedServer() reads: only such a call is safe to resend
// elsewhere (cluster::ClusterChannel does). A call whose frame went to a
// connection that then dropped may have run on the server and is not marked,
// even if its bytes were still in our output buffer: "provably never sent"
// is the promise, so the doubtful case counts as sent.
//
// Generated client stubs (rpc/compiler) wrap the untyped Channel interface
// this implements.
//
// Thread contract: construct and destroy in the loop's thread, or in another
// thread while the loop runs (as TcpClient). startCall(), startStream(),
// cancel() and blockingCall() may be called from any thread; completion
// handlers run in the loop thread. blockingCall() from the loop thread
// fails with FAILED_PRECONDITION instead of deadlocking.
//
// Latency: a unary call started in the loop thread (from a completion
// handler, or from a functor given to runInLoop once) is encoded and written
// at once, with no queued functor and no wake-up; a 1 x 1 client that issues
// each call from the last one's handler costs its loop one pass per call
// (rpc/HotPathAllocations_test.cc). From any other thread the call is handed
// to the loop through its eventfd, which wakes the loop's thread: tens of
// microseconds when that thread's CPU is idle and halted, as on a VM.
#ifndef RPC_RPCCHANNEL_H_
#define RPC_RPCCHANNEL_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "muduo/net/InetAddress.h"
#include "rpc/CallOptions.h"
#include "rpc/Channel.h"

namespace muduo::rpc {

class RpcChannel final : public Channel {
 public:
  struct Options {
    std::chrono::microseconds defaultTimeout = std::chrono::seconds(5);
    size_t maxFrameSize = 64 * 1024 * 1024;
  };

  RpcChannel(net::EventLoop* loop, const net::InetAddress& serverAddr, Options options);
  RpcChannel(net::EventLoop* loop, const net::InetAddress& serverAddr)
      : RpcChannel(loop, serverAddr, Options()) {}
  ~RpcChannel() override;
  RpcChannel(const RpcChannel&) = delete;
  RpcChannel& operator=(const RpcChannel&) = delete;

  // Starts connecting (and reconnecting after losses). Any thread. Calls
  // made before the first attempt ends wait for it, within their deadlines.
  void connect();
  [[nodiscard]] bool connected() const;
  [[nodiscard]] net::EventLoop* loop() const override { return loop_; }

  // Channel; any thread.
  uint64_t startCall(std::string_view service, std::string_view method,
                     const google::protobuf::MessageLite& request, ResponseHandler done,
                     const CallOptions& options = CallOptions()) override;
  uint64_t startStream(std::string_view service, std::string_view method,
                       const google::protobuf::MessageLite& request, StreamHandler onMessage,
                       ResponseHandler onFinish,
                       const CallOptions& options = CallOptions()) override;
  void cancel(uint64_t callId) override;

  // As startCall()/startStream(), with the request already serialized: for
  // a caller that may send the same request more than once (a cluster
  // channel's retries and backup requests). Any thread.
  uint64_t startSerializedCall(std::string_view service, std::string_view method,
                               std::string_view request, ResponseHandler done,
                               const CallOptions& options = CallOptions());
  uint64_t startSerializedStream(std::string_view service, std::string_view method,
                                 std::string_view request, StreamHandler onMessage,
                                 ResponseHandler onFinish,
                                 const CallOptions& options = CallOptions());

  // True when `status` (a failed call's) says the request provably never
  // left this process, so resending it cannot run it twice.
  [[nodiscard]] static bool neverReachedServer(const absl::Status& status);

 private:
  class Impl;
  template <typename Payload>
  // A unary call when onMessage is null. Moves from *onMessage and done.
  uint64_t start(std::string_view service, std::string_view method, const Payload& request,
                 StreamHandler* onMessage, ResponseHandler& done, const CallOptions& options);

  net::EventLoop* const loop_;
  const std::chrono::microseconds defaultTimeout_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace muduo::rpc

#endif  // RPC_RPCCHANNEL_H_
