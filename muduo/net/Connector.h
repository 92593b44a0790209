// Connector: makes one outgoing TCP connection, retrying with exponential
// back-off (500 ms doubling to 30 s) until it succeeds or is stopped.
//
// Owned by shared_ptr (TcpClient holds it): retry timers and queued work
// hold it weakly or strongly by value, never by a bare `this`, so stopping
// and destroying it is safe in every state - idle, connecting, waiting to
// retry.
//
// Internal to muduo/net. start() and stop() may be called from any thread;
// restart() and the callbacks run in the loop thread.
#ifndef MUDUO_NET_CONNECTOR_H_
#define MUDUO_NET_CONNECTOR_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "muduo/base/UniqueFd.h"
#include "muduo/net/InetAddress.h"
#include "muduo/net/TimerId.h"

namespace muduo::net {

class Channel;
class EventLoop;

class Connector : public std::enable_shared_from_this<Connector> {
 public:
  // Receives a connected, non-blocking socket, which it then owns.
  using NewConnectionCallback = std::function<void(UniqueFd sockfd)>;
  // One attempt failed (errno-style code); the next one follows after `retryDelay`.
  using ConnectFailedCallback =
      std::function<void(int error, std::chrono::milliseconds retryDelay)>;

  static constexpr std::chrono::milliseconds kInitRetryDelay{500};
  static constexpr std::chrono::milliseconds kMaxRetryDelay{30 * 1000};

  Connector(EventLoop* loop, const InetAddress& serverAddr);
  ~Connector();
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;

  void setNewConnectionCallback(NewConnectionCallback cb) {
    newConnectionCallback_ = std::move(cb);
  }
  void setConnectFailedCallback(ConnectFailedCallback cb) {
    connectFailedCallback_ = std::move(cb);
  }

  void start();    // any thread
  void restart();  // loop thread; resets the back-off
  void stop();     // any thread; cancels a pending retry and an attempt in flight

  [[nodiscard]] const InetAddress& serverAddress() const { return serverAddr_; }

 private:
  enum class State { kDisconnected, kConnecting, kConnected };

  void startInLoop();
  void stopInLoop();
  void connect();
  void connecting(UniqueFd sockfd);
  void handleWrite();
  void handleError();
  void retry(UniqueFd sockfd, int error);
  // Takes the channel out of the poller and returns its fd; the Channel
  // object itself is destroyed later, outside its own event handler.
  // Unregisters the channel and hands back the socket.
  UniqueFd removeAndResetChannel();

  EventLoop* const loop_;
  const InetAddress serverAddr_;
  std::atomic<bool> connect_{false};
  State state_ = State::kDisconnected;                      // loop thread only
  UniqueFd socket_;                                         // loop thread only; while connecting
  std::unique_ptr<Channel> channel_;                        // loop thread only
  std::chrono::milliseconds retryDelay_ = kInitRetryDelay;  // loop thread only
  TimerId retryTimer_;                                      // loop thread only
  NewConnectionCallback newConnectionCallback_;
  ConnectFailedCallback connectFailedCallback_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_CONNECTOR_H_
