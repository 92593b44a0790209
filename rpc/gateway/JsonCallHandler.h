// JsonCallHandler: POST /rpc/<full.Service>/<Method> with a JSON body in
// protobuf's JSON mapping (Content-Type: application/json, 415 otherwise).
// Answers JSON; errors as {"code": N, "status": "NOT_FOUND", "message": ...}
// with the HTTP status nearest the canonical code.
//
// A JSON call lives the life of an MRPC call: the server dispatches it
// (ServiceHost::dispatch: counted in flight, on the worker pool when there
// is one, in the stats), and it is cancelled when its HTTP connection
// closes: the handler keeps each connection's running call (HTTP answers in
// order, so there is at most one) and cancels it when the connection goes
// down. The call owns the connection's responder from the moment this
// handler takes the request and may answer from any thread, later; dropped
// unanswered it answers 500.
//
// Thread contract: handle() and onDisconnected() run in the connection's
// loop thread, concurrently for connections on different loops.
#ifndef RPC_GATEWAY_JSONCALLHANDLER_H_
#define RPC_GATEWAY_JSONCALLHANDLER_H_

#include <memory>

#include "absl/container/flat_hash_map.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/Callbacks.h"
#include "muduo/net/http/HttpConnectionHandler.h"

namespace muduo::rpc {
class ServerCall;
class ServiceHost;
}  // namespace muduo::rpc

namespace muduo::rpc::gateway {

class JsonCallHandler {
 public:
  static constexpr std::string_view kPrefix = "/rpc/";

  explicit JsonCallHandler(ServiceHost* host) : host_(host) {}
  JsonCallHandler(const JsonCallHandler&) = delete;
  JsonCallHandler& operator=(const JsonCallHandler&) = delete;

  // POST /rpc/...: takes `respond` (the call answers through it, from any
  // thread, later) and returns true. Anything else: leaves it, returns false.
  bool handle(const net::TcpConnectionPtr& conn, const net::HttpRequest& request,
              net::HttpResponder& respond);
  // The connection closed: cancels its call, if one still runs.
  void onDisconnected(const net::TcpConnectionPtr& conn);

 private:
  ServiceHost* const host_;
  Mutex mutex_;
  // Per open connection, its latest call (finished ones linger until the
  // next call or the close, harmlessly: cancelling them is a no-op).
  absl::flat_hash_map<const net::TcpConnection*, std::weak_ptr<ServerCall>> live_
      ABSL_GUARDED_BY(mutex_);
};

}  // namespace muduo::rpc::gateway

#endif  // RPC_GATEWAY_JSONCALLHANDLER_H_
