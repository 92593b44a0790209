// PingPongClient: the load half of muduo's pingpong benchmark. Each session
// sends one block; both ends echo everything back; after `duration` the
// client counts what it read and reports MiB/s.
//
// Thread contract: construct, run() and destroy in one thread, which must
// own the base loop passed in; sessions run on `threads` I/O loops.
#ifndef TOOLS_PINGPONG_PINGPONGCLIENT_H_
#define TOOLS_PINGPONG_PINGPONGCLIENT_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "muduo/net/InetAddress.h"

namespace muduo::net {
class EventLoop;
class EventLoopThreadPool;
class TcpClient;
}  // namespace muduo::net

namespace pingpong {

struct PingPongResult {
  int64_t bytesRead = 0;
  int64_t messagesRead = 0;
  double seconds = 0;
  [[nodiscard]] double mebibytesPerSecond() const {
    return seconds > 0 ? static_cast<double>(bytesRead) / seconds / (1024 * 1024) : 0;
  }
};

class PingPongClient {
 public:
  struct Options {
    int threads = 1;
    size_t blockSize = 16 * 1024;
    int sessions = 100;
    std::chrono::milliseconds duration{10 * 1000};
  };

  PingPongClient(muduo::net::EventLoop* loop, const muduo::net::InetAddress& serverAddr,
                 Options options);
  ~PingPongClient();
  PingPongClient(const PingPongClient&) = delete;
  PingPongClient& operator=(const PingPongClient&) = delete;

  // Connects every session, runs for the duration once all are up, then
  // disconnects and returns the totals. Runs the base loop meanwhile.
  PingPongResult run();

 private:
  class Session;

  static std::string makeMessage(size_t size);
  void onConnected();
  void onDisconnected();

  muduo::net::EventLoop* const loop_;
  const Options options_;
  const std::string message_;
  std::unique_ptr<muduo::net::EventLoopThreadPool> pool_;
  std::vector<std::unique_ptr<Session>> sessions_;
  std::atomic<int> connected_{0};
  std::atomic<int> disconnected_{0};
  std::chrono::steady_clock::time_point start_;  // base loop thread only
  std::chrono::steady_clock::time_point stop_;   // base loop thread only
};

}  // namespace pingpong

#endif  // TOOLS_PINGPONG_PINGPONGCLIENT_H_
