#include "muduo/net/SocketsOps.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "muduo/base/Logging.h"

namespace muduo::net::sockets {

UniqueFd createNonblocking(sa_family_t family) {
  return UniqueFd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
}

UniqueFd createNonblockingOrDie(sa_family_t family) {
  UniqueFd sockfd = createNonblocking(family);
  if (!sockfd.valid()) LOG_SYSFATAL << "sockets::createNonblockingOrDie";
  return sockfd;
}

int bind(int sockfd, const struct sockaddr* addr, socklen_t len) {
  return ::bind(sockfd, addr, len);
}

int listen(int sockfd) { return ::listen(sockfd, SOMAXCONN); }

UniqueFd accept(int sockfd, struct sockaddr_in6* addr) {
  socklen_t addrlen = sizeof *addr;
  UniqueFd connfd(::accept4(sockfd, reinterpret_cast<struct sockaddr*>(addr), &addrlen,
                            SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (connfd.valid()) return connfd;
  const int savedErrno = errno;
  switch (savedErrno) {
    // Expected: nothing pending, the peer gave up, a signal, or a resource
    // limit the Acceptor knows how to ride out.
    case EAGAIN:
    case ECONNABORTED:
    case EINTR:
    case EPROTO:
    case EPERM:
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
      break;
    default:
      // EBADF, EFAULT, EINVAL, ENOTSOCK, EOPNOTSUPP...: a bug in the caller.
      LOG_FATAL << "unexpected error of ::accept4: " << strerror(savedErrno);
  }
  errno = savedErrno;
  return connfd;
}

int connect(int sockfd, const struct sockaddr* addr, socklen_t len) {
  return ::connect(sockfd, addr, len);
}

ssize_t read(int sockfd, void* buf, size_t count) { return ::read(sockfd, buf, count); }

ssize_t readv(int sockfd, const struct iovec* iov, int iovcnt) {
  return ::readv(sockfd, iov, iovcnt);
}

ssize_t write(int sockfd, const void* buf, size_t count) { return ::write(sockfd, buf, count); }

void shutdownWrite(int sockfd) {
  // ENOTCONN is expected when the peer already reset the connection.
  if (::shutdown(sockfd, SHUT_WR) < 0 && errno != ENOTCONN) LOG_SYSERR << "sockets::shutdownWrite";
}

int getSocketError(int sockfd) {
  int optval = 0;
  socklen_t optlen = sizeof optval;
  if (::getsockopt(sockfd, SOL_SOCKET, SO_ERROR, &optval, &optlen) < 0) return errno;
  return optval;
}

struct sockaddr_in6 getLocalAddr(int sockfd) {
  struct sockaddr_in6 addr;
  memset(&addr, 0, sizeof addr);
  socklen_t addrlen = sizeof addr;
  if (::getsockname(sockfd, reinterpret_cast<struct sockaddr*>(&addr), &addrlen) < 0) {
    LOG_SYSERR << "sockets::getLocalAddr";
  }
  return addr;
}

struct sockaddr_in6 getPeerAddr(int sockfd) {
  struct sockaddr_in6 addr;
  memset(&addr, 0, sizeof addr);
  socklen_t addrlen = sizeof addr;
  if (::getpeername(sockfd, reinterpret_cast<struct sockaddr*>(&addr), &addrlen) < 0) {
    LOG_SYSERR << "sockets::getPeerAddr";
  }
  return addr;
}

bool isSelfConnect(int sockfd) {
  const struct sockaddr_in6 local = getLocalAddr(sockfd);
  const struct sockaddr_in6 peer = getPeerAddr(sockfd);
  if (local.sin6_family == AF_INET) {
    const auto* l4 = reinterpret_cast<const struct sockaddr_in*>(&local);
    const auto* p4 = reinterpret_cast<const struct sockaddr_in*>(&peer);
    return l4->sin_port == p4->sin_port && l4->sin_addr.s_addr == p4->sin_addr.s_addr;
  }
  if (local.sin6_family == AF_INET6) {
    return local.sin6_port == peer.sin6_port &&
           memcmp(&local.sin6_addr, &peer.sin6_addr, sizeof local.sin6_addr) == 0;
  }
  return false;
}

}  // namespace muduo::net::sockets
