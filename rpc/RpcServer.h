// RpcServer: serves MRPC calls for registered Services on a TcpServer.
//
// Handlers run in the connection's I/O thread by default; with
// workerThreads > 0 they run on a ThreadPool instead, for handlers that
// block. Unknown service or method: UNIMPLEMENTED; a request that does not
// parse: INVALID_ARGUMENT; answers after the call's deadline are dropped. A
// malformed frame closes that one connection with a logged reason.
//
// Other protocols share the port through addProtocol(): a connection whose
// first bytes one of them matches is theirs from then on (the HTTP/JSON
// gateway in rpc/gateway is one). They see the server only as a
// ServiceHost, and their calls are dispatched as MRPC calls are.
//
// Thread contract: construct, addService(), addProtocol(), start(),
// shutdown() and destroy in the base loop's thread. Services are not owned
// and must outlive the server; protocols are owned.
#ifndef RPC_RPCSERVER_H_
#define RPC_RPCSERVER_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/Callbacks.h"
#include "muduo/net/ConnectionOptions.h"
#include "muduo/net/InetAddress.h"
#include "rpc/ProtocolHandler.h"
#include "rpc/RpcCodec.h"
#include "rpc/RpcStats.h"
#include "rpc/ServiceHost.h"

namespace muduo {
class ThreadPool;
namespace net {
class EventLoop;
class EventLoopThreadPool;
class TcpServer;
}  // namespace net
}  // namespace muduo

namespace muduo::rpc {

class Service;
struct DecodedFrame;

class RpcServer final : public ServiceHost {
 public:
  struct Options {
    int ioThreads = 0;
    int workerThreads = 0;           // > 0: handlers run on a pool of this size
    size_t workerQueueSize = 10000;  // calls beyond it get RESOURCE_EXHAUSTED
    size_t maxFrameSize = kDefaultMaxFrameSize;
    bool reusePort = false;
    // Each connection's output budget and timeouts. By default a frame must
    // arrive within 30 s (plus a second per KiB of it); channels keep idle
    // connections open, so there is no idle timeout.
    net::ConnectionOptions connection = defaultConnectionOptions();
  };
  [[nodiscard]] static net::ConnectionOptions defaultConnectionOptions() {
    net::ConnectionOptions options;
    options.requestTimeout = std::chrono::seconds(30);
    return options;
  }

  RpcServer(net::EventLoop* loop, const net::InetAddress& listenAddr, Options options);
  RpcServer(net::EventLoop* loop, const net::InetAddress& listenAddr)
      : RpcServer(loop, listenAddr, Options()) {}
  ~RpcServer() override;
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  // Before start().
  void addService(Service* service);
  // A protocol tried, in the order added, on each connection's first bytes.
  void addProtocol(std::unique_ptr<ProtocolHandler> protocol);
  // What health() asks: the application's own state (a store that failed
  // says so here, and /health answers 503). Called from any loop thread,
  // concurrently; must not block. Unset: always OK.
  using HealthCheck = absl::AnyInvocable<absl::Status() const>;
  void setHealthCheck(HealthCheck check);
  // What applicationStatus() asks: lines /status shows after the server's
  // own. Called from any loop thread, concurrently. Before start().
  using StatusText = absl::AnyInvocable<std::string() const>;
  void setStatusText(StatusText text);
  void start();

  // Serves a connection made elsewhere as if this server had accepted it:
  // gives it the server's connection options and callbacks. The caller owns
  // it, calls connectEstablished(), and connectDestroyed() once its close
  // callback ran. For driving the real per-connection frame handling over a
  // socketpair (rpc/RpcServer_fuzzer.cc), where a listening socket would
  // make every input cost a handshake and let the kernel merge the chunks.
  // The connection's loop thread, which must be the thread that runs the
  // server's calls (no worker pool is assumed).
  void adoptConnection(const net::TcpConnectionPtr& conn);

  // Stops accepting, lets in-flight calls finish for up to `grace`, then
  // closes every connection and runs `done`. Connections are half-closed
  // first, so answers still queued are delivered, and force-closed once
  // their peers close or `grace` runs out. Base loop thread.
  void shutdown(std::chrono::milliseconds grace, absl::AnyInvocable<void()> done);

  [[nodiscard]] net::InetAddress listenAddress() const;
  // OK when the constructor could bind and listen; otherwise the reason,
  // naming the address (TcpServer::listenStatus). Any thread.
  [[nodiscard]] absl::Status listenStatus() const;
  // After start(): the I/O loops, for another protocol's TcpServer to share
  // (TcpServer::setThreadPool). Base loop thread.
  [[nodiscard]] std::shared_ptr<net::EventLoopThreadPool> threadPool() const;
  [[nodiscard]] int64_t inFlightCalls() const { return inFlight_->load(); }
  // Per-method counters and latencies; any thread.
  [[nodiscard]] const RpcStats& stats() const { return *stats_; }

  // ServiceHost, for the protocols; any thread.
  [[nodiscard]] Service* findService(std::string_view fullName) const override;
  [[nodiscard]] std::shared_ptr<RpcStats> sharedStats() const override { return stats_; }
  [[nodiscard]] bool draining() const override { return draining_.load(std::memory_order_relaxed); }
  [[nodiscard]] absl::Status health() const override;
  [[nodiscard]] std::string applicationStatus() const override;
  void dispatch(Service* service, const std::string& method,
                const std::shared_ptr<ServerCall>& call) override;

 private:
  struct ConnectionState;

  void onConnection(const net::TcpConnectionPtr& conn);
  void onMessage(const net::TcpConnectionPtr& conn, net::Buffer* buf, Timestamp receiveTime);
  // False when the request broke the protocol and the connection is closing:
  // nothing behind it in the buffer may run.
  [[nodiscard]] bool handleRequest(const net::TcpConnectionPtr& conn, ConnectionState* state,
                                   const DecodedFrame& frame);
  // Runs a counted call: on the worker pool when there is one, else here.
  // `method` need only live through the call: the worker path copies it.
  void runCall(Service* service, std::string_view method, const std::shared_ptr<ServerCall>& call);
  // The protocol that took `conn` over, or null; forget() also drops it.
  ProtocolHandler* ownerOf(const net::TcpConnection* conn, bool forget);

  // Declared first so they die last: connections that reach them outlive
  // the TcpServer by a loop turn.
  std::vector<std::unique_ptr<ProtocolHandler>> protocols_;  // fixed after start()
  net::EventLoop* const loop_;
  const Options options_;
  std::unique_ptr<net::TcpServer> server_;
  std::unique_ptr<ThreadPool> workers_;
  absl::flat_hash_map<std::string, Service*> services_;  // read-only after start()
  // Shared with every ServerCall, which decrements it when it dies.
  std::shared_ptr<std::atomic<int64_t>> inFlight_;
  std::shared_ptr<RpcStats> stats_;
  std::atomic<bool> draining_{false};
  HealthCheck healthCheck_;  // fixed after start()
  StatusText statusText_;    // fixed after start()
  // Connections a protocol took over, by their identity while they live.
  mutable Mutex ownersMutex_;
  absl::flat_hash_map<const net::TcpConnection*, ProtocolHandler*> owners_
      ABSL_GUARDED_BY(ownersMutex_);
};

}  // namespace muduo::rpc

#endif  // RPC_RPCSERVER_H_
