// RespServer: the Redis protocol (RESP2) on a Store, for redis-cli,
// redis-benchmark and Redis client libraries. The commands are the rows of
// RespCommandTable (strings, keys, transactions, connection and server
// commands); other Redis types' commands get Redis's unknown-command error.
//
// A second codec on the reactor: its TcpServer can run on the I/O loops of
// the service's RpcServer (setThreadPool), so both protocols share one set
// of threads and one store.
//
// Thread contract: construct, configure, start(), stop() and destroy in the
// base loop's thread. The store must outlive the server.
#ifndef SERVICES_KV_RESPSERVER_H_
#define SERVICES_KV_RESPSERVER_H_

#include <chrono>
#include <memory>

#include "absl/status/status.h"
#include "muduo/net/Callbacks.h"
#include "muduo/net/ConnectionOptions.h"
#include "muduo/net/InetAddress.h"
#include "services/kv/RespServerState.h"
#include "services/kv/WriteCombinerPool.h"

namespace muduo::net {
class EventLoop;
class EventLoopThreadPool;
class TcpServer;
}  // namespace muduo::net

namespace muduo::kv {

class Store;

class RespServer {
 public:
  // Connections get `options`: by default a command must arrive within 30 s
  // (plus a second per KiB of it) and there is no idle timeout.
  RespServer(net::EventLoop* loop, const net::InetAddress& listenAddr, Store* store,
             const net::ConnectionOptions& options = defaultConnectionOptions(),
             const RespServerState::Options& stateOptions = RespServerState::Options());
  [[nodiscard]] static net::ConnectionOptions defaultConnectionOptions() {
    net::ConnectionOptions options;
    options.requestTimeout = std::chrono::seconds(30);
    return options;
  }
  ~RespServer();
  RespServer(const RespServer&) = delete;
  RespServer& operator=(const RespServer&) = delete;

  // Before start(); one or the other.
  void setThreadNum(int numThreads);
  void setThreadPool(std::shared_ptr<net::EventLoopThreadPool> pool);
  void start();

  // Serves a connection made elsewhere as if this server had accepted it:
  // gives it the options and callbacks TcpServer gives an accepted one (not
  // the request-timeout sweeper: nothing times it out). The
  // caller owns it, calls connectEstablished(), and connectDestroyed() once
  // its close callback ran. For driving the real RESP session over a
  // socketpair (RespSession_fuzzer.cc), where a listening socket would cost
  // every input a handshake and let the kernel merge the chunks. In the
  // connection's loop thread.
  void adoptConnection(const net::TcpConnectionPtr& conn);

  // Stops accepting; connections carry on.
  void stopAccepting();
  // Stops accepting and closes every connection.
  void stop();

  [[nodiscard]] net::InetAddress listenAddress() const;
  // OK when the constructor could bind and listen; otherwise the reason,
  // naming the address (TcpServer::listenStatus).
  [[nodiscard]] absl::Status listenStatus() const;

 private:
  void onConnection(const net::TcpConnectionPtr& conn);
  static void onMessage(const net::TcpConnectionPtr& conn, net::Buffer* buf);

  Store* const store_;
  const std::shared_ptr<RespServerState> state_;  // sessions may outlive the server
  WriteCombinerPool combiners_;
  std::unique_ptr<net::TcpServer> server_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_RESPSERVER_H_
