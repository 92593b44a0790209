// Service: what RpcServer dispatches to. Generated code (rpc/compiler)
// derives a typed base class per .proto service from it; users derive from
// that and implement the RPC methods.
//
// Thread contract: callMethod() runs in an I/O thread, or on the server's
// worker pool when it has one; a Service must tolerate concurrent calls.
#ifndef RPC_SERVICE_H_
#define RPC_SERVICE_H_

#include <memory>
#include <string_view>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "rpc/ServerCall.h"

namespace muduo::rpc {

// Answers a unary call; call it exactly once, from any thread, now or later.
using DoneCallback = absl::AnyInvocable<void(absl::Status) &&>;

class Service {
 public:
  virtual ~Service() = default;
  // The full name, "package.ServiceName".
  [[nodiscard]] virtual std::string_view serviceName() const = 0;
  // Parses call->requestPayload() and starts the method; false when this
  // service has no such method (the server answers UNIMPLEMENTED).
  virtual bool callMethod(std::string_view method, const std::shared_ptr<ServerCall>& call) = 0;
};

}  // namespace muduo::rpc

#endif  // RPC_SERVICE_H_
