// RpcHttpGateway: HTTP on an RpcServer's port, plugged in as a protocol
// (RpcServer::addProtocol) and told apart from MRPC by a connection's first
// bytes (an HTTP request line):
//
//   GET  /status                      StatusPage: per-method calls, errors, latency
//   GET  /metrics                     MetricsPage: the same for Prometheus
//   GET  /flags                       FlagsPage: the process's abseil flags
//   GET  /health                      HealthPage: 200 serving, 503 draining
//   POST /rpc/<full.Service>/<Method> JsonCallHandler: a JSON call
//
// One handler per file, as brpc keeps each built-in page. The gateway sees
// the server only through ServiceHost, so the server never links HTTP, JSON
// or flags; a binary that wants the pages attaches them:
//
//   server.addProtocol(std::make_unique<muduo::rpc::RpcHttpGateway>(&server));
//
// Thread contract: built before RpcServer::start() and owned by the server;
// the ProtocolHandler methods run in the connection's loop thread.
#ifndef RPC_GATEWAY_RPCHTTPGATEWAY_H_
#define RPC_GATEWAY_RPCHTTPGATEWAY_H_

#include <memory>
#include <string_view>

#include "muduo/base/Timestamp.h"
#include "muduo/net/Callbacks.h"
#include "rpc/ProtocolHandler.h"

namespace muduo::net {
class Buffer;
class HttpConnectionHandler;
class HttpRequest;
class HttpResponse;
}  // namespace muduo::net

namespace muduo::rpc {

class ServiceHost;

namespace gateway {
class JsonCallHandler;
}  // namespace gateway

class RpcHttpGateway final : public ProtocolHandler {
 public:
  // `host` (the RpcServer) must outlive the gateway, as its owner does.
  explicit RpcHttpGateway(ServiceHost* host);
  ~RpcHttpGateway() override;
  RpcHttpGateway(const RpcHttpGateway&) = delete;
  RpcHttpGateway& operator=(const RpcHttpGateway&) = delete;

  // Does the start of a connection's input look like an HTTP request? With
  // fewer bytes than a method name it answers for what is there.
  [[nodiscard]] static bool looksLikeHttp(std::string_view firstBytes);

  [[nodiscard]] bool matches(std::string_view firstBytes) const override {
    return looksLikeHttp(firstBytes);
  }
  void onMessage(const net::TcpConnectionPtr& conn, net::Buffer* buf,
                 Timestamp receiveTime) override;
  void onDisconnected(const net::TcpConnectionPtr& conn) override;

 private:
  // Loop thread: the pages, answered at once.
  void handle(const net::HttpRequest& request, net::HttpResponse* response) const;

  ServiceHost* const host_;
  const std::unique_ptr<gateway::JsonCallHandler> json_;
  std::shared_ptr<net::HttpConnectionHandler> handler_;
};

}  // namespace muduo::rpc

#endif  // RPC_GATEWAY_RPCHTTPGATEWAY_H_
