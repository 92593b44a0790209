// The callback types users of muduo/net implement.
//
// Connection callbacks are std::function because a TcpServer copies them into
// every connection it makes. One-shot work handed to a loop (runInLoop, timers)
// is move-only absl::AnyInvocable, so it may own what it captures.
#ifndef MUDUO_NET_CALLBACKS_H_
#define MUDUO_NET_CALLBACKS_H_

#include <cstddef>
#include <functional>
#include <memory>

#include "absl/functional/any_invocable.h"
#include "muduo/base/Timestamp.h"

namespace muduo::net {

class Buffer;
class TcpConnection;
using TcpConnectionPtr = std::shared_ptr<TcpConnection>;

using TimerCallback = absl::AnyInvocable<void()>;

// Runs once when a connection comes up and once when it goes down; tell them
// apart with conn->connected().
using ConnectionCallback = std::function<void(const TcpConnectionPtr&)>;
using CloseCallback = std::function<void(const TcpConnectionPtr&)>;
// Runs when the output buffer has been fully written to the kernel.
using WriteCompleteCallback = std::function<void(const TcpConnectionPtr&)>;
// Runs when queued output crosses the high-water mark (back-pressure signal);
// the size_t is the number of bytes queued.
using HighWaterMarkCallback = std::function<void(const TcpConnectionPtr&, size_t)>;
// Data arrived; consume what you can from the buffer and leave the rest.
using MessageCallback = std::function<void(const TcpConnectionPtr&, Buffer*, Timestamp)>;

// Logs the connection's up/down transitions.
void defaultConnectionCallback(const TcpConnectionPtr& conn);
// Discards everything received.
void defaultMessageCallback(const TcpConnectionPtr& conn, Buffer* buffer, Timestamp receiveTime);

}  // namespace muduo::net

#endif  // MUDUO_NET_CALLBACKS_H_
