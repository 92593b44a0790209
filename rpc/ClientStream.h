// ClientStream: the client's handle on a server-streaming call, returned by
// generated stubs. Dropping the handle does not cancel the call.
//
// Thread contract: cancel() may be called from any thread.
#ifndef RPC_CLIENTSTREAM_H_
#define RPC_CLIENTSTREAM_H_

#include <cstdint>

#include "rpc/Channel.h"

namespace muduo::rpc {

class ClientStream {
 public:
  ClientStream(Channel* channel, uint64_t callId) : channel_(channel), callId_(callId) {}

  // Stops the stream: the server is told, no more messages are delivered, and
  // the finish handler runs with CANCELLED (unless the stream already ended).
  void cancel() { channel_->cancel(callId_); }
  [[nodiscard]] uint64_t callId() const { return callId_; }

 private:
  Channel* channel_;
  uint64_t callId_;
};

}  // namespace muduo::rpc

#endif  // RPC_CLIENTSTREAM_H_
