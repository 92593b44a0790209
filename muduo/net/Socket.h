// Socket: owns one socket descriptor and closes it on destruction.
//
// Internal to muduo/net. Not thread-safe; used by the thread that owns the
// object holding it (an Acceptor's or TcpConnection's loop thread).
#ifndef MUDUO_NET_SOCKET_H_
#define MUDUO_NET_SOCKET_H_

#include <netinet/tcp.h>

#include <string>

#include "muduo/base/UniqueFd.h"

namespace muduo::net {

class InetAddress;

class Socket {
 public:
  explicit Socket(UniqueFd sockfd) : sockfd_(std::move(sockfd)) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  [[nodiscard]] int fd() const { return sockfd_.get(); }

  // Each returns 0, or -1 with errno set.
  [[nodiscard]] int bindAddress(const InetAddress& localaddr);
  [[nodiscard]] int listen();
  // Returns the accepted socket (non-blocking, close-on-exec) and fills
  // *peeraddr, or none with errno set.
  [[nodiscard]] UniqueFd accept(InetAddress* peeraddr);
  void shutdownWrite();

  void setTcpNoDelay(bool on);
  void setReuseAddr(bool on);
  void setReusePort(bool on);
  void setKeepAlive(bool on);
  // One line of TCP_INFO for diagnostics; empty if unavailable.
  [[nodiscard]] std::string tcpInfoString() const;

 private:
  const UniqueFd sockfd_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_SOCKET_H_
