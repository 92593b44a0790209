// ProtocolHandler: another protocol served on an RpcServer's port, told
// apart from MRPC by a connection's first bytes (an HTTP request line, a
// RESP command). RpcServer offers each new connection's first bytes to its
// protocols in the order they were added; the first that matches owns the
// connection from then on: every later message goes to it, the connection's
// context is its own, and it hears when the connection closes.
//
// Thread contract: added before RpcServer::start() and owned by the server,
// which outlives every connection. matches(), onMessage() and
// onDisconnected() run in the connection's loop thread, concurrently across
// loops when the server has several.
#ifndef RPC_PROTOCOLHANDLER_H_
#define RPC_PROTOCOLHANDLER_H_

#include <string_view>

#include "muduo/base/Timestamp.h"
#include "muduo/net/Callbacks.h"

namespace muduo::net {
class Buffer;
}  // namespace muduo::net

namespace muduo::rpc {

class ProtocolHandler {
 public:
  virtual ~ProtocolHandler() = default;

  // Is this the start of a connection in this protocol? `firstBytes` holds
  // at most 8 bytes, possibly fewer: answer for what is there.
  [[nodiscard]] virtual bool matches(std::string_view firstBytes) const = 0;
  // The connection's input, from its very first byte; `buf` keeps what is
  // not consumed, as a MessageCallback's does.
  virtual void onMessage(const net::TcpConnectionPtr& conn, net::Buffer* buf,
                         Timestamp receiveTime) = 0;
  // The connection this handler owned went down: end what it still runs.
  virtual void onDisconnected(const net::TcpConnectionPtr& conn) = 0;
};

}  // namespace muduo::rpc

#endif  // RPC_PROTOCOLHANDLER_H_
