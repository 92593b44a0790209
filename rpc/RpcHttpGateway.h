// RpcHttpGateway: what an RpcServer answers when a connection on its port
// speaks HTTP instead of MRPC (told apart by the first bytes):
//
//   GET  /status                     uptime, connections, per-method calls,
//                                    errors and latency (HTML for browsers,
//                                    text otherwise)
//   GET  /metrics                    the same in Prometheus text format
//   GET  /flags                      the process's abseil flags
//   GET  /health                     200 while serving, 503 while draining
//   POST /rpc/<full.Service>/<Method> a JSON body in protobuf's JSON mapping,
//                                    sent with Content-Type: application/json
//                                    (415 otherwise); answers JSON, errors as
//                                    {"code": N, "status": "NOT_FOUND",
//                                     "message": "..."}
//
// The pages print only method names the descriptor pool knows (see
// RpcStats), escaped for HTML and for Prometheus labels all the same.
//
// A JSON call is answered whenever and from whichever thread its service
// finishes it: the call owns the connection's responder from the moment
// the gateway takes the request, and answers 500 if it is dropped without
// an answer. The gateway itself keeps nothing of a call.
//
// Thread contract: built by RpcServer before start(); onMessage() runs in
// the connection's loop thread; setDraining() from the base loop thread.
#ifndef RPC_RPCHTTPGATEWAY_H_
#define RPC_RPCHTTPGATEWAY_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "muduo/base/Timestamp.h"
#include "muduo/net/Callbacks.h"
#include "muduo/net/http/HttpConnectionHandler.h"

namespace muduo::net {
class Buffer;
}  // namespace muduo::net

namespace muduo::rpc {

class RpcStats;
class Service;

class RpcHttpGateway {
 public:
  RpcHttpGateway(const absl::flat_hash_map<std::string, Service*>* services,
                 std::shared_ptr<RpcStats> stats);
  ~RpcHttpGateway();
  RpcHttpGateway(const RpcHttpGateway&) = delete;
  RpcHttpGateway& operator=(const RpcHttpGateway&) = delete;

  // Does the start of a connection's input look like an HTTP request? With
  // fewer bytes than a method name it answers for what is there.
  [[nodiscard]] static bool looksLikeHttp(std::string_view firstBytes);

  void onMessage(const net::TcpConnectionPtr& conn, net::Buffer* buf, Timestamp receiveTime);
  void setDraining() { draining_.store(true, std::memory_order_relaxed); }

 private:
  void handle(const net::HttpRequest& request, net::HttpResponse* response) const;
  // Loop thread. POST /rpc/...: takes `respond` (moves it into the call,
  // which may answer from any thread, later) and returns true; anything
  // else: leaves it and returns false.
  bool handleRpc(const net::HttpRequest& request, net::HttpResponder& respond);
  void status(const net::HttpRequest& request, net::HttpResponse* response) const;
  void metrics(net::HttpResponse* response) const;
  static void flags(net::HttpResponse* response);

  const absl::flat_hash_map<std::string, Service*>* const services_;
  const std::shared_ptr<RpcStats> stats_;
  std::shared_ptr<net::HttpConnectionHandler> handler_;
  std::atomic<bool> draining_{false};
};

}  // namespace muduo::rpc

#endif  // RPC_RPCHTTPGATEWAY_H_
