#include "tools/pingpong/PingPongClient.h"

#include "muduo/base/Logging.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThreadPool.h"
#include "muduo/net/TcpClient.h"
#include "muduo/net/TcpConnection.h"

namespace pingpong {

using muduo::net::Buffer;
using muduo::net::EventLoop;
using muduo::net::TcpConnectionPtr;

// One connection. Its counters are touched only by its I/O loop, and read
// by the base loop after every session has disconnected.
class PingPongClient::Session {
 public:
  Session(PingPongClient* owner, EventLoop* loop, const muduo::net::InetAddress& serverAddr,
          const std::string& name)
      : owner_(owner), client_(loop, serverAddr, name) {
    client_.setConnectionCallback([this](const TcpConnectionPtr& conn) { onConnection(conn); });
    client_.setMessageCallback([this](const TcpConnectionPtr& conn, Buffer* buf, muduo::Timestamp) {
      onMessage(conn, buf);
    });
  }

  void start() { client_.connect(); }
  void stop() { client_.disconnect(); }
  [[nodiscard]] int64_t bytesRead() const { return bytesRead_; }
  [[nodiscard]] int64_t messagesRead() const { return messagesRead_; }

 private:
  void onConnection(const TcpConnectionPtr& conn) {
    if (conn->connected()) {
      conn->setTcpNoDelay(true);
      conn->send(std::string_view(owner_->message_));
      owner_->onConnected();
    } else {
      owner_->onDisconnected();
    }
  }

  void onMessage(const TcpConnectionPtr& conn, Buffer* buf) {
    ++messagesRead_;
    bytesRead_ += static_cast<int64_t>(buf->readableBytes());
    conn->send(buf);
  }

  PingPongClient* const owner_;
  muduo::net::TcpClient client_;
  int64_t bytesRead_ = 0;
  int64_t messagesRead_ = 0;
};

PingPongClient::PingPongClient(EventLoop* loop, const muduo::net::InetAddress& serverAddr,
                               Options options)
    : loop_(loop),
      options_(options),
      message_(makeMessage(options.blockSize)),
      pool_(std::make_unique<muduo::net::EventLoopThreadPool>(loop, "PingPongClient")) {
  pool_->setThreadNum(options_.threads);
  pool_->start();
  for (int i = 0; i < options_.sessions; ++i) {
    sessions_.push_back(
        std::make_unique<Session>(this, pool_->getNextLoop(), serverAddr, "C" + std::to_string(i)));
  }
}

// Sessions go first, while their loops still run (TcpClient's destructor
// hands its cleanup to its loop); then the pool joins the loops.
PingPongClient::~PingPongClient() { sessions_.clear(); }

std::string PingPongClient::makeMessage(size_t size) {
  std::string message(size, '\0');
  for (size_t i = 0; i < size; ++i) message[i] = static_cast<char>(i % 128);
  return message;
}

PingPongResult PingPongClient::run() {
  loop_->assertInLoopThread();
  for (auto& session : sessions_) session->start();
  loop_->loop();

  PingPongResult result;
  for (const auto& session : sessions_) {
    result.bytesRead += session->bytesRead();
    result.messagesRead += session->messagesRead();
  }
  result.seconds = std::chrono::duration<double>(stop_ - start_).count();
  return result;
}

void PingPongClient::onConnected() {
  // The clock starts with the first session: bytes read while the others
  // connect are counted, so the time they take must be too.
  if (connected_.fetch_add(1) == 0) {
    loop_->runInLoop([this] {
      start_ = std::chrono::steady_clock::now();
      loop_->runAfter(options_.duration, [this] {
        stop_ = std::chrono::steady_clock::now();
        for (auto& session : sessions_) session->stop();
      });
    });
  }
}

void PingPongClient::onDisconnected() {
  if (disconnected_.fetch_add(1) + 1 == options_.sessions) {
    loop_->queueInLoop([this] { loop_->quit(); });
  }
}

}  // namespace pingpong
