// TcpClient: one outgoing connection, with retries while connecting and,
// optionally, reconnection after the connection is lost.
//
// Owns a Connector and the current TcpConnection (if any). Destruction is
// safe in every state - connecting, waiting to retry, connected: the
// connection is closed (its "down" callback runs once, before the destructor
// returns) and no callback runs after it.
//
// Thread contract: connect(), disconnect(), stop() and connection() may be
// called from any thread. Destroy it in the loop thread, or in another
// thread while the loop is running (the destructor then waits for the loop
// to do the cleanup). Callbacks run in the loop thread.
#ifndef MUDUO_NET_TCPCLIENT_H_
#define MUDUO_NET_TCPCLIENT_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "muduo/base/Mutex.h"
#include "muduo/base/UniqueFd.h"
#include "muduo/net/Callbacks.h"
#include "muduo/net/ConnectionOptions.h"
#include "muduo/net/InetAddress.h"

namespace muduo::net {

class Connector;
class EventLoop;

class TcpClient {
 public:
  // An attempt to connect failed with `error` (an errno value); the next
  // attempt follows after `retryDelay` unless stop() is called.
  using ConnectFailedCallback =
      std::function<void(int error, std::chrono::milliseconds retryDelay)>;

  TcpClient(EventLoop* loop, const InetAddress& serverAddr, std::string name);
  ~TcpClient();
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  void connect();
  // Half-closes the current connection after its output drains.
  void disconnect();
  // Stops connecting (cancels retries); an established connection stays.
  void stop();

  [[nodiscard]] TcpConnectionPtr connection() const;
  [[nodiscard]] EventLoop* getLoop() const { return loop_; }
  [[nodiscard]] const std::string& name() const { return name_; }

  // Reconnect (with back-off) after an established connection is lost.
  void enableRetry() { retry_ = true; }
  [[nodiscard]] bool retry() const { return retry_; }

  // Set before connect().
  void setConnectionCallback(ConnectionCallback cb) { connectionCallback_ = std::move(cb); }
  void setMessageCallback(MessageCallback cb) { messageCallback_ = std::move(cb); }
  void setWriteCompleteCallback(WriteCompleteCallback cb) {
    writeCompleteCallback_ = std::move(cb);
  }
  void setConnectFailedCallback(ConnectFailedCallback cb);
  // Before connect(): the output budget and timeouts of each connection.
  void setConnectionOptions(const ConnectionOptions& options) { options_ = options; }

 private:
  void newConnection(UniqueFd sockfd);
  void removeConnection(const TcpConnectionPtr& conn);
  void destroyInLoop();

  EventLoop* const loop_;
  const std::shared_ptr<Connector> connector_;
  const std::string name_;
  ConnectionCallback connectionCallback_;
  MessageCallback messageCallback_;
  WriteCompleteCallback writeCompleteCallback_;
  ConnectionOptions options_;
  std::atomic<bool> retry_{false};
  std::atomic<bool> connect_{false};
  int nextConnId_ = 1;  // loop thread only
  mutable Mutex mutex_;
  TcpConnectionPtr connection_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace muduo::net

#endif  // MUDUO_NET_TCPCLIENT_H_
