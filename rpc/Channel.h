// Channel: what a generated stub calls through. RpcChannel (one connection
// to one server) and cluster::ClusterChannel (many servers behind a
// resolver, balanced) both implement it, so one Stub type works over either.
//
// The cost is one virtual call per RPC, next to a frame encode, a hash-map
// insert and a syscall: rpc/README.md ("The channel interface") has the
// callgrind figures.
//
// Thread contract (every implementation): startCall(), startStream(),
// cancel() and blockingCall() may be called from any thread; handlers run in
// loop()'s thread. blockingCall() from that thread fails with
// FAILED_PRECONDITION instead of deadlocking.
#ifndef RPC_CHANNEL_H_
#define RPC_CHANNEL_H_

#include <cstdint>
#include <string_view>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "rpc/CallOptions.h"

namespace google::protobuf {
class MessageLite;
}  // namespace google::protobuf

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::rpc {

class Channel {
 public:
  // Completes a unary call or ends a stream; runs once, in the loop thread.
  // `payload` (the serialized response) is valid only during the call.
  using ResponseHandler = absl::AnyInvocable<void(absl::Status, std::string_view payload) &&>;
  // One server-stream message; runs in the loop thread, in order.
  using StreamHandler = absl::AnyInvocable<void(std::string_view payload)>;

  virtual ~Channel() = default;

  // The loop whose thread runs the handlers.
  [[nodiscard]] virtual net::EventLoop* loop() const = 0;

  // Any thread. Returns the call id (usable with cancel()).
  virtual uint64_t startCall(std::string_view service, std::string_view method,
                             const google::protobuf::MessageLite& request, ResponseHandler done,
                             const CallOptions& options = CallOptions()) = 0;
  virtual uint64_t startStream(std::string_view service, std::string_view method,
                               const google::protobuf::MessageLite& request,
                               StreamHandler onMessage, ResponseHandler onFinish,
                               const CallOptions& options = CallOptions()) = 0;
  // Any thread. The call completes with CANCELLED (if it has not completed).
  virtual void cancel(uint64_t callId) = 0;

  // Any thread but the loop's. Parses the answer into *response.
  absl::Status blockingCall(std::string_view service, std::string_view method,
                            const google::protobuf::MessageLite& request,
                            google::protobuf::MessageLite* response,
                            const CallOptions& options = CallOptions());

 protected:
  // Runs `f` in `loop`'s thread and returns after it ran: at once when
  // called there, else queued and waited for. For an implementation's
  // destructor and its snapshots of loop-thread state.
  static void runInLoopAndWait(net::EventLoop* loop, absl::FunctionRef<void()> f);
};

}  // namespace muduo::rpc

#endif  // RPC_CHANNEL_H_
