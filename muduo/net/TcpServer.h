// TcpServer: accepts connections on one address and spreads them round-robin
// over a pool of I/O loops (or serves them in its own loop with zero threads).
//
// Owns the Acceptor, the I/O thread pool and a reference to every live
// connection. Stopping or destroying the server closes every connection it
// still holds; each gets its "down" callback exactly once, in its own loop.
//
// The constructor binds and listens; listenStatus() says whether that
// worked. The server does not abort or exit when it did not: its owner
// decides (a server binary prints the one line and exits 1; start() on such
// a server logs the reason and accepts nothing).
//
// Thread contract: construct, configure, stop() and destroy in the base
// loop's thread; start() may be called from any thread. Callbacks run in the
// connection's I/O loop thread.
#ifndef MUDUO_NET_TCPSERVER_H_
#define MUDUO_NET_TCPSERVER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "muduo/base/UniqueFd.h"
#include "muduo/net/Callbacks.h"
#include "muduo/net/ConnectionOptions.h"
#include "muduo/net/InetAddress.h"

namespace muduo::net {

class Acceptor;
class EventLoop;
class EventLoopThreadPool;

class TcpServer {
 public:
  using ThreadInitCallback = std::function<void(EventLoop*)>;
  enum class Option { kNoReusePort, kReusePort };

  TcpServer(EventLoop* loop, const InetAddress& listenAddr, std::string name,
            Option option = Option::kNoReusePort);
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] EventLoop* getLoop() const { return loop_; }
  // The bound address; with port 0 in the constructor, the kernel's choice.
  // The requested address when listenStatus() is not OK.
  [[nodiscard]] InetAddress listenAddress() const;
  // OK when the constructor could bind and listen; otherwise the reason,
  // naming the address: "cannot listen on 127.0.0.1:9091: Address already in
  // use". Any thread.
  [[nodiscard]] const absl::Status& listenStatus() const { return listenStatus_; }

  // Before start(). 0 (the default): every connection in the base loop.
  void setThreadNum(int numThreads);
  // Before start(), instead of setThreadNum(): serve connections on the I/O
  // loops of `pool` (another server's, so two protocols share one set of
  // threads). Its base loop must be this server's; start() starts it unless
  // it runs already. The pool lives as long as any server holding it.
  void setThreadPool(std::shared_ptr<EventLoopThreadPool> pool) { threadPool_ = std::move(pool); }
  void setThreadInitCallback(ThreadInitCallback cb) { threadInitCallback_ = std::move(cb); }
  // Before start(). The output budget and the timeouts of every connection
  // (ConnectionOptions' defaults: a 4 MiB budget, no timeouts).
  void setConnectionOptions(const ConnectionOptions& options) { options_ = options; }
  [[nodiscard]] const ConnectionOptions& connectionOptions() const { return options_; }
  // Before start(). Shorthand for options_.idleTimeout: connections on which
  // no byte moves either way for `timeout` are force-closed.
  void setIdleTimeout(std::chrono::milliseconds timeout) { options_.idleTimeout = timeout; }

  // Before start().
  void setConnectionCallback(ConnectionCallback cb) { connectionCallback_ = std::move(cb); }
  void setMessageCallback(MessageCallback cb) { messageCallback_ = std::move(cb); }
  void setWriteCompleteCallback(WriteCompleteCallback cb) {
    writeCompleteCallback_ = std::move(cb);
  }

  // Starts the I/O threads and accepts. Any thread; idempotent. With
  // listenStatus() not OK it logs the reason and accepts nothing.
  void start();
  // Stops accepting; live connections carry on. Base loop thread.
  void stopAccepting();
  // Stops accepting and force-closes every connection. Base loop thread.
  void stop();
  // Stops accepting and half-closes every connection once its queued output
  // is written, so the peer reads everything sent and then EOF; each
  // connection goes when its peer closes (or at stop()). Base loop thread.
  void shutdownConnections();

  // Base loop thread.
  [[nodiscard]] size_t numConnections() const;
  [[nodiscard]] int64_t rejectedForFdLimit() const;
  // After start(). The I/O loops, e.g. to post work with runInLoop.
  [[nodiscard]] std::shared_ptr<EventLoopThreadPool> threadPool() { return threadPool_; }

 private:
  struct Registry;

  void newConnection(UniqueFd sockfd, const InetAddress& peerAddr);
  void startInLoop();

  EventLoop* const loop_;
  const std::string ipPort_;
  const std::string name_;
  std::unique_ptr<Acceptor> acceptor_;
  const absl::Status listenStatus_;  // kept when acceptor_ goes
  std::shared_ptr<EventLoopThreadPool> threadPool_;
  // Shared with the close callbacks of live connections, which hold it
  // weakly: a connection closing while the server is destroyed finds it gone
  // instead of calling into a dead server.
  std::shared_ptr<Registry> registry_;
  ConnectionCallback connectionCallback_;
  MessageCallback messageCallback_;
  WriteCompleteCallback writeCompleteCallback_;
  ThreadInitCallback threadInitCallback_;
  ConnectionOptions options_;
  std::atomic<bool> started_{false};
  int nextConnId_ = 1;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_TCPSERVER_H_
