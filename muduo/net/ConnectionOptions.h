// ConnectionOptions: what one peer may make a server hold, and how long it
// may take. One set per TcpServer (or TcpClient), applied to each of its
// connections; the reactor enforces them the same way for every protocol.
//
// A plain value; copy it where it is needed.
#ifndef MUDUO_NET_CONNECTIONOPTIONS_H_
#define MUDUO_NET_CONNECTIONOPTIONS_H_

#include <chrono>
#include <cstddef>

namespace muduo::net {

struct ConnectionOptions {
  // The output budget. Once this many bytes wait to be written (buffered
  // bytes plus queued file bodies), the connection stops reading: requests
  // still in the kernel wait there and TCP flow control pushes back on the
  // peer. Reading resumes when the backlog falls to the low-water mark.
  // Protocols check TcpConnection::outputBudgetExceeded() between requests,
  // so one read full of pipelined requests cannot overrun it either.
  size_t outputHighWaterMark = 4 * 1024 * 1024;
  size_t outputLowWaterMark = 1 * 1024 * 1024;

  // The request deadline (slowloris): a request that has started to arrive
  // must be complete within this time, extended by one second for every
  // `minRequestBytesPerSecond` bytes received since it began, so a large
  // body that keeps coming at a reasonable rate is never cut off. Counts
  // only while the server is reading. Zero: no deadline.
  std::chrono::milliseconds requestTimeout{0};
  size_t minRequestBytesPerSecond = 1024;

  // A connection on which no byte moved in either direction for this long is
  // closed (a long download is not idle). Zero: never.
  std::chrono::milliseconds idleTimeout{0};
};

}  // namespace muduo::net

#endif  // MUDUO_NET_CONNECTIONOPTIONS_H_
