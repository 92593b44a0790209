// RespServer: the Redis protocol (RESP2) on a Store, for redis-cli,
// redis-benchmark and Redis client libraries: PING, GET, SET (with NX / XX),
// DEL, EXISTS, MGET, MSET, INCR and QUIT; anything else gets an error.
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

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/Callbacks.h"
#include "muduo/net/ConnectionOptions.h"
#include "muduo/net/InetAddress.h"

namespace muduo::net {
class EventLoop;
class EventLoopThreadPool;
class TcpServer;
}  // namespace muduo::net

namespace muduo::kv {

class Store;
class WriteCombiner;

class RespServer {
 public:
  // Connections get `options`: by default a command must arrive within 30 s
  // (plus a second per KiB of it) and there is no idle timeout.
  RespServer(net::EventLoop* loop, const net::InetAddress& listenAddr, Store* store,
             const net::ConnectionOptions& options = defaultConnectionOptions());
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
  std::shared_ptr<WriteCombiner> combinerFor(net::EventLoop* loop);

  Store* const store_;
  std::unique_ptr<net::TcpServer> server_;
  Mutex mutex_;
  // One per I/O loop, made by its first connection.
  absl::flat_hash_map<net::EventLoop*, std::shared_ptr<WriteCombiner>> combiners_
      ABSL_GUARDED_BY(mutex_);
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_RESPSERVER_H_
