// JsonCallHandler: POST /rpc/<full.Service>/<Method> with a JSON body in
// protobuf's JSON mapping (Content-Type: application/json, 415 otherwise).
// Answers JSON; errors as {"code": N, "status": "NOT_FOUND", "message": ...}
// with the HTTP status nearest the canonical code.
//
// A server-streaming method answers 200 with newline-delimited JSON in a
// chunked body (HTTP/1.1 only): one message a line, then a status line,
// {"status": "OK", "code": 0} or {"status": ..., "code": N, "message": ...}.
// Its writes are flow-controlled by the connection's output budget, as an
// MRPC stream's are (ServerCall::isReady, onReady), so a client that stops
// reading holds the server to about one budget of memory.
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
#include <string>

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
  // Sends the NDJSON head and makes the call whose messages follow it.
  std::shared_ptr<ServerCall> startStream(const net::TcpConnectionPtr& conn,
                                          const net::HttpRequest& request,
                                          net::HttpResponder respond, std::string outputUrl,
                                          std::string payload);

  ServiceHost* const host_;
  Mutex mutex_;
  // Per open connection, its latest call (finished ones linger until the
  // next call or the close, harmlessly: cancelling them is a no-op).
  absl::flat_hash_map<const net::TcpConnection*, std::weak_ptr<ServerCall>> live_
      ABSL_GUARDED_BY(mutex_);
};

}  // namespace muduo::rpc::gateway

#endif  // RPC_GATEWAY_JSONCALLHANDLER_H_
