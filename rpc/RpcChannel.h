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
// Generated client stubs (rpc/compiler) wrap this untyped interface.
//
// Thread contract: construct and destroy in the loop's thread, or in another
// thread while the loop runs (as TcpClient). startCall(), startStream(),
// cancel() and blockingCall() may be called from any thread; completion
// handlers run in the loop thread. blockingCall() from the loop thread
// fails with FAILED_PRECONDITION instead of deadlocking.
#ifndef RPC_RPCCHANNEL_H_
#define RPC_RPCCHANNEL_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "muduo/net/InetAddress.h"
#include "rpc/CallOptions.h"

namespace google::protobuf {
class MessageLite;
}  // namespace google::protobuf

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::rpc {

class RpcChannel {
 public:
  struct Options {
    std::chrono::microseconds defaultTimeout = std::chrono::seconds(5);
    size_t maxFrameSize = 64 * 1024 * 1024;
  };

  // Completes a unary call or ends a stream; runs once, in the loop thread.
  // `payload` (the serialized response) is valid only during the call.
  using ResponseHandler = absl::AnyInvocable<void(absl::Status, std::string_view payload) &&>;
  // One server-stream message; runs in the loop thread, in order.
  using StreamHandler = absl::AnyInvocable<void(std::string_view payload)>;

  RpcChannel(net::EventLoop* loop, const net::InetAddress& serverAddr, Options options);
  RpcChannel(net::EventLoop* loop, const net::InetAddress& serverAddr)
      : RpcChannel(loop, serverAddr, Options()) {}
  ~RpcChannel();
  RpcChannel(const RpcChannel&) = delete;
  RpcChannel& operator=(const RpcChannel&) = delete;

  // Starts connecting (and reconnecting after losses). Any thread. Calls
  // made before the first attempt ends wait for it, within their deadlines.
  void connect();
  [[nodiscard]] bool connected() const;
  [[nodiscard]] net::EventLoop* loop() const { return loop_; }

  // Any thread. Returns the call id (usable with cancel()).
  uint64_t startCall(std::string_view service, std::string_view method,
                     const google::protobuf::MessageLite& request, ResponseHandler done,
                     const CallOptions& options = CallOptions());
  uint64_t startStream(std::string_view service, std::string_view method,
                       const google::protobuf::MessageLite& request, StreamHandler onMessage,
                       ResponseHandler onFinish, const CallOptions& options = CallOptions());
  // Any thread. The call completes with CANCELLED (if it has not completed).
  void cancel(uint64_t callId);

  // Any thread but the loop's. Parses the answer into *response.
  absl::Status blockingCall(std::string_view service, std::string_view method,
                            const google::protobuf::MessageLite& request,
                            google::protobuf::MessageLite* response,
                            const CallOptions& options = CallOptions());

 private:
  class Impl;
  net::EventLoop* const loop_;
  const std::chrono::microseconds defaultTimeout_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace muduo::rpc

#endif  // RPC_RPCCHANNEL_H_
