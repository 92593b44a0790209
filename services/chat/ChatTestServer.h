// ChatTestServer: a chat server for in-process tests: ChatServiceImpl on an
// RpcServer on loopback port 0, in its own EventLoopThread.
//
// Test-only. Thread contract: construct and destroy in the test thread;
// service() may be used from any thread, as ChatServiceImpl allows.
#ifndef SERVICES_CHAT_CHATTESTSERVER_H_
#define SERVICES_CHAT_CHATTESTSERVER_H_

#include <memory>

#include "muduo/base/CountDownLatch.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/InetAddress.h"
#include "rpc/RpcServer.h"
#include "services/chat/ChatServiceImpl.h"

namespace muduo::chat::testing {

class ChatTestServer {
 public:
  ChatTestServer(ChatServiceImpl::Options options, int ioThreads) {
    loop_ = thread_.startLoop();
    service_ = std::make_unique<ChatServiceImpl>(loop_, std::move(options));
    CountDownLatch started(1);
    loop_->runInLoop([this, ioThreads, &started] {
      rpc::RpcServer::Options serverOptions;
      serverOptions.ioThreads = ioThreads;
      server_ = std::make_unique<rpc::RpcServer>(loop_, net::InetAddress(0, true), serverOptions);
      server_->addService(service_.get());
      server_->start();
      address_ = server_->listenAddress();
      started.countDown();
    });
    started.wait();
  }

  // The server goes first, in its loop thread; then the service it served.
  ~ChatTestServer() {
    CountDownLatch stopped(1);
    loop_->runInLoop([this, &stopped] {
      server_.reset();
      stopped.countDown();
    });
    stopped.wait();
    service_.reset();
  }

  ChatTestServer(const ChatTestServer&) = delete;
  ChatTestServer& operator=(const ChatTestServer&) = delete;

  [[nodiscard]] const net::InetAddress& address() const { return address_; }
  [[nodiscard]] ChatServiceImpl& service() { return *service_; }
  [[nodiscard]] net::EventLoop* loop() const { return loop_; }
  // Loop thread only.
  [[nodiscard]] rpc::RpcServer& server() { return *server_; }

 private:
  net::EventLoopThread thread_;
  net::EventLoop* loop_ = nullptr;
  std::unique_ptr<ChatServiceImpl> service_;
  std::unique_ptr<rpc::RpcServer> server_;
  net::InetAddress address_;
};

}  // namespace muduo::chat::testing

#endif  // SERVICES_CHAT_CHATTESTSERVER_H_
