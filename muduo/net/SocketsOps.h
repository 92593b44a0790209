// SocketsOps: thin wrappers over the socket system calls that sort errno into
// expected conditions (returned to the caller) and bugs (LOG_FATAL).
//
// Internal to muduo/net. Stateless; callable from any thread.
#ifndef MUDUO_NET_SOCKETSOPS_H_
#define MUDUO_NET_SOCKETSOPS_H_

#include <netinet/in.h>
#include <sys/uio.h>

#include "muduo/base/UniqueFd.h"

namespace muduo::net::sockets {

// A non-blocking, close-on-exec TCP socket of the given family, or none with
// errno set (EMFILE, ENFILE, EAFNOSUPPORT...).
[[nodiscard]] UniqueFd createNonblocking(sa_family_t family);
// The same; aborts on failure.
[[nodiscard]] UniqueFd createNonblockingOrDie(sa_family_t family);

// bind(2) and listen(2) with a backlog of SOMAXCONN: 0, or -1 with errno set.
// A port that is taken or an address that is not local is the caller's to
// report, not a reason to abort.
int bind(int sockfd, const struct sockaddr* addr, socklen_t len);
int listen(int sockfd);
// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC. Returns the new socket, or none
// with errno set for the expected failures (EAGAIN, ECONNABORTED, EMFILE,
// ...); aborts on ones that mean a bug (EBADF, EINVAL, ...).
[[nodiscard]] UniqueFd accept(int sockfd, struct sockaddr_in6* addr);
int connect(int sockfd, const struct sockaddr* addr, socklen_t len);
ssize_t read(int sockfd, void* buf, size_t count);
ssize_t readv(int sockfd, const struct iovec* iov, int iovcnt);
ssize_t write(int sockfd, const void* buf, size_t count);
void shutdownWrite(int sockfd);

int getSocketError(int sockfd);
struct sockaddr_in6 getLocalAddr(int sockfd);
struct sockaddr_in6 getPeerAddr(int sockfd);
// A connect to a port in the ephemeral range on the same host can connect the
// socket to itself (TCP simultaneous open); the Connector must then retry.
bool isSelfConnect(int sockfd);

}  // namespace muduo::net::sockets

#endif  // MUDUO_NET_SOCKETSOPS_H_
