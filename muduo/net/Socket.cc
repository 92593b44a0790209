#include "muduo/net/Socket.h"

#include <sys/socket.h>

#include <cstdio>
#include <cstring>

#include "muduo/base/Logging.h"
#include "muduo/net/InetAddress.h"
#include "muduo/net/SocketsOps.h"

namespace muduo::net {
namespace {

void setBoolOption(int fd, int level, int name, bool on, const char* what) {
  const int optval = on ? 1 : 0;
  if (::setsockopt(fd, level, name, &optval, sizeof optval) < 0) {
    LOG_SYSERR << "setsockopt " << what << " on fd " << fd;
  }
}

}  // namespace

int Socket::bindAddress(const InetAddress& addr) {
  return sockets::bind(sockfd_.get(), addr.getSockAddr(), addr.sockAddrLen());
}

int Socket::listen() { return sockets::listen(sockfd_.get()); }

UniqueFd Socket::accept(InetAddress* peeraddr) {
  struct sockaddr_in6 addr;
  memset(&addr, 0, sizeof addr);
  UniqueFd connfd = sockets::accept(sockfd_.get(), &addr);
  if (connfd.valid()) peeraddr->setSockAddrInet6(addr);
  return connfd;
}

void Socket::shutdownWrite() { sockets::shutdownWrite(sockfd_.get()); }

void Socket::setTcpNoDelay(bool on) {
  setBoolOption(sockfd_.get(), IPPROTO_TCP, TCP_NODELAY, on, "TCP_NODELAY");
}
void Socket::setReuseAddr(bool on) {
  setBoolOption(sockfd_.get(), SOL_SOCKET, SO_REUSEADDR, on, "SO_REUSEADDR");
}
void Socket::setReusePort(bool on) {
  setBoolOption(sockfd_.get(), SOL_SOCKET, SO_REUSEPORT, on, "SO_REUSEPORT");
}
void Socket::setKeepAlive(bool on) {
  setBoolOption(sockfd_.get(), SOL_SOCKET, SO_KEEPALIVE, on, "SO_KEEPALIVE");
}

std::string Socket::tcpInfoString() const {
  struct tcp_info tcpi;
  socklen_t len = sizeof tcpi;
  memset(&tcpi, 0, len);
  if (::getsockopt(sockfd_.get(), SOL_TCP, TCP_INFO, &tcpi, &len) < 0) return std::string();
  char buf[256];
  snprintf(buf, sizeof buf,
           "unrecovered=%u rto=%u ato=%u snd_mss=%u rcv_mss=%u lost=%u retrans=%u rtt=%u "
           "rttvar=%u sshthresh=%u cwnd=%u total_retrans=%u",
           tcpi.tcpi_retransmits, tcpi.tcpi_rto, tcpi.tcpi_ato, tcpi.tcpi_snd_mss,
           tcpi.tcpi_rcv_mss, tcpi.tcpi_lost, tcpi.tcpi_retrans, tcpi.tcpi_rtt, tcpi.tcpi_rttvar,
           tcpi.tcpi_snd_ssthresh, tcpi.tcpi_snd_cwnd, tcpi.tcpi_total_retrans);
  return buf;
}

}  // namespace muduo::net
