// PingPongServer: echoes every byte back, the server half of muduo's
// pingpong throughput benchmark.
//
// Thread contract: construct, start() and destroy in the base loop's thread.
#ifndef TOOLS_PINGPONG_PINGPONGSERVER_H_
#define TOOLS_PINGPONG_PINGPONGSERVER_H_

#include <memory>

#include "absl/status/status.h"
#include "muduo/net/InetAddress.h"

namespace muduo::net {
class EventLoop;
class TcpServer;
}  // namespace muduo::net

namespace pingpong {

class PingPongServer {
 public:
  PingPongServer(muduo::net::EventLoop* loop, const muduo::net::InetAddress& listenAddr,
                 int threads);
  ~PingPongServer();
  PingPongServer(const PingPongServer&) = delete;
  PingPongServer& operator=(const PingPongServer&) = delete;

  void start();
  [[nodiscard]] muduo::net::InetAddress listenAddress() const;
  // OK when the constructor could bind and listen.
  [[nodiscard]] absl::Status listenStatus() const;

 private:
  std::unique_ptr<muduo::net::TcpServer> server_;
};

}  // namespace pingpong

#endif  // TOOLS_PINGPONG_PINGPONGSERVER_H_
