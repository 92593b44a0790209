// CompletionIo: completion-based socket I/O offered by a Poller (io_uring in
// "io" mode), for TcpConnection.
//
// Internal to muduo/net. Owned by the Poller of one EventLoop; every method
// is called in that loop's thread only.
//
// Receiving: a Channel given a receive sink (Channel::setReceiveSink) and
// read interest is not polled for readability; the poller keeps a receive
// request armed on its fd instead, and reports the channel readable when
// bytes arrive. The owner then collects them, the byte count and the end of
// the stream with takeReceived(). The newest bytes may be lent where the
// kernel put them (Received::lent, to be read in place, say through a
// BufferLoan) instead of appended to the sink: they are the owner's until
// the loop polls again, when the poller takes the buffer back. Older
// bytes, and any the owner did not collect in the iteration that reported
// them, are in the sink, in order before the lent ones. Bytes that arrive while reading is
// being switched off still reach the sink: none is lost.
//
// Sending: startSend() takes the output buffer's bytes (the Buffer's storage
// moves to the poller, which keeps it alive and unchanged until the kernel is
// done with it, even if the channel goes first) and queues a send that goes
// to the kernel with the next wait. The poller continues short sends itself;
// each completion reports the channel writable, and takeSent() says how many
// bytes left and whether the send is still in flight. Except that a send
// that completed whole is first offered to the owner's SentWhole hook, in
// the poll that reaped it: when the hook takes it (nothing else waits on
// the send), the channel is not reported and takeSent() does not count
// those bytes again. In a request-response exchange that spares one pass
// through the loop's event dispatch per request.
//
// Removing the channel cancels its requests; their late completions are
// recognised and dropped (disabling all its events only cancels the recv: the
// channel keeps its registration until removed, and its sink gets every byte
// received until then).
#ifndef MUDUO_NET_COMPLETIONIO_H_
#define MUDUO_NET_COMPLETIONIO_H_

#include <cstddef>

#include "muduo/base/Timestamp.h"

namespace muduo::net {

class Buffer;
class Channel;

class CompletionIo {
 public:
  struct Received {
    size_t bytes = 0;  // received since the last call, the lent ones included
    int end = 0;       // 0: the stream goes on; kEof; or -errno
    // The last lentBytes of them, not in the sink; Buffer::kCheapPrepend
    // bytes in front of `lent` are the owner's too, until the next poll.
    char* lent = nullptr;
    size_t lentBytes = 0;
  };
  struct Sent {
    size_t bytes = 0;       // written since the last call
    bool inFlight = false;  // part of the send is still with the kernel
    int error = 0;          // errno of a failed send (the rest was dropped)
  };
  static constexpr int kEof = 1;
  // Called in the loop's thread, inside the poll (no channel callback runs
  // meanwhile), for a send whose `bytes` (those takeSent() has not returned)
  // all went out. True: the owner took them and the send is over; false:
  // report the channel writable as usual. It must not touch the poller.
  using SentWhole = bool (*)(void* context, size_t bytes, Timestamp now);

  CompletionIo() = default;
  CompletionIo(const CompletionIo&) = delete;
  CompletionIo& operator=(const CompletionIo&) = delete;

  // The channel must be registered (have events). Leaves *output empty.
  // `sentWhole` (with its `context`) may be null.
  virtual void startSend(Channel* channel, Buffer* output, SentWhole sentWhole, void* context) = 0;
  [[nodiscard]] virtual Sent takeSent(Channel* channel) = 0;
  [[nodiscard]] virtual Received takeReceived(Channel* channel) = 0;

 protected:
  ~CompletionIo() = default;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_COMPLETIONIO_H_
