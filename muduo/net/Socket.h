// Socket: owns one socket fd and closes it on destruction.
//
// Internal to muduo/net. Not thread-safe; used by the thread that owns the
// object holding it (an Acceptor's or TcpConnection's loop thread).
#ifndef MUDUO_NET_SOCKET_H_
#define MUDUO_NET_SOCKET_H_

#include <netinet/tcp.h>

#include <string>

namespace muduo::net {

class InetAddress;

class Socket {
 public:
  explicit Socket(int sockfd) : sockfd_(sockfd) {}
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  [[nodiscard]] int fd() const { return sockfd_; }

  void bindAddress(const InetAddress& localaddr);
  void listen();
  // Returns the accepted fd (non-blocking, close-on-exec) and fills *peeraddr,
  // or -1 with errno set.
  int accept(InetAddress* peeraddr);
  void shutdownWrite();

  void setTcpNoDelay(bool on);
  void setReuseAddr(bool on);
  void setReusePort(bool on);
  void setKeepAlive(bool on);
  // One line of TCP_INFO for diagnostics; empty if unavailable.
  [[nodiscard]] std::string tcpInfoString() const;

 private:
  const int sockfd_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_SOCKET_H_
