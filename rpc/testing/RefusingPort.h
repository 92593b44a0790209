// RefusingPort: a loopback port that refuses connections: bound, never
// listening, and held until release() or destruction so nobody else takes
// it. release() frees the port for a server a test starts there later.
//
// Test-only; one thread.
#ifndef RPC_TESTING_REFUSINGPORT_H_
#define RPC_TESTING_REFUSINGPORT_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "muduo/net/InetAddress.h"

namespace muduo::rpc::testing {

class RefusingPort {
 public:
  RefusingPort() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    struct sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::perror("RefusingPort");
      std::abort();
    }
    address_ = net::InetAddress(addr);
  }
  ~RefusingPort() { release(); }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;

  [[nodiscard]] const net::InetAddress& address() const { return address_; }
  void release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  net::InetAddress address_;
};

}  // namespace muduo::rpc::testing

#endif  // RPC_TESTING_REFUSINGPORT_H_
