#include "rpc/Channel.h"

#include <utility>

#include "google/protobuf/message_lite.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/net/EventLoop.h"

namespace muduo::rpc {

absl::Status Channel::blockingCall(std::string_view service, std::string_view method,
                                   const google::protobuf::MessageLite& request,
                                   google::protobuf::MessageLite* response,
                                   const CallOptions& options) {
  if (loop()->isInLoopThread()) {
    return absl::FailedPreconditionError(
        "blocking RPC from the channel's own loop thread would deadlock; use the async call");
  }
  CountDownLatch latch(1);
  absl::Status result;
  startCall(
      service, method, request,
      [&](absl::Status status, std::string_view payload) {
        if (status.ok() &&
            !response->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
          status = absl::InternalError("response does not parse");
        }
        result = std::move(status);
        latch.countDown();
      },
      options);
  latch.wait();
  return result;
}

void Channel::runInLoopAndWait(net::EventLoop* loop, absl::FunctionRef<void()> f) {
  if (loop->isInLoopThread()) {
    f();
    return;
  }
  CountDownLatch done(1);
  loop->runInLoop([&] {
    f();
    done.countDown();
  });
  done.wait();
}

}  // namespace muduo::rpc
