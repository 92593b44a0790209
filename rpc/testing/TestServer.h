// TestServer: an RpcServer on a loopback port with a TestService, running
// in its own loop thread, for tests that talk to it over real sockets.
//
// Test-only. Construct and destroy in one thread (not the server's); the
// server is built and destroyed in its loop thread. Every wait is bounded:
// a wedged loop fails the test (gtest EXPECT) instead of hanging it.
#ifndef RPC_TESTING_TESTSERVER_H_
#define RPC_TESTING_TESTSERVER_H_

#include <cstdint>
#include <memory>

#include "muduo/net/EventLoopThread.h"
#include "muduo/net/InetAddress.h"
#include "rpc/RpcServer.h"
#include "rpc/testing/TestService.h"

namespace muduo::rpc::testing {

class TestServer {
 public:
  // `port` 0 picks a free one; a given port lets a test restart a server
  // where its clients expect it.
  explicit TestServer(const RpcServer::Options& options = RpcServer::Options(), uint16_t port = 0);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // Any thread.
  [[nodiscard]] const net::InetAddress& address() const { return address_; }
  [[nodiscard]] TestService& service() { return service_; }

  // Destroys the server now (its connections drop) and returns how many
  // calls it had received and not answered at that moment: the calls a
  // client loses. Counted in the server's loop, so no answer slips between.
  // Any thread but the server's. Idempotent (later calls return 0).
  int64_t stop();

 private:
  TestService service_;  // outlives the server and its loops
  net::EventLoopThread thread_;
  net::EventLoop* loop_;
  std::unique_ptr<RpcServer> server_;
  net::InetAddress address_;
};

}  // namespace muduo::rpc::testing

#endif  // RPC_TESTING_TESTSERVER_H_
