// CallOptions: per-call settings for client stubs.
//
// A plain value type.
#ifndef RPC_CALLOPTIONS_H_
#define RPC_CALLOPTIONS_H_

#include <chrono>

namespace muduo::rpc {

struct CallOptions {
  // How long to wait for the answer. Zero: the channel's default for unary
  // calls, no deadline for streams.
  std::chrono::microseconds timeout{0};
};

}  // namespace muduo::rpc

#endif  // RPC_CALLOPTIONS_H_
