// HttpConnectionHandler: serves HTTP/1.x on TcpConnections: parses each
// request as bytes arrive, calls the HttpCallback, and writes the responses
// in request order (pipelining), keeping or closing the connection as HTTP
// says. A request the parser rejects is answered with its status (400, 413,
// 414, 431, 501) and the connection is closed; other connections are never
// affected.
//
// Under pressure: while the connection's output budget is exceeded, pipelined
// requests stay unread in the input buffer (TcpConnection offers them again
// once the peer has read enough), so a peer that sends and never reads holds
// at most about one budget of our memory. A file body that queues behind
// another holds no descriptor until its turn (see HttpResponse::setFileBody).
// After `maxKeepAliveRequests` requests (0: no limit) the response says
// "Connection: close" and the connection closes, so no peer holds one
// connection (and the loop it landed on) for ever.
//
// Usable without HttpServer: a server that recognises HTTP by the first
// bytes on its own port hands the connection over by calling onMessage()
// with the bytes it has already read still in `buf`. From then on the
// connection's context belongs to this handler (it keeps the HttpParser
// there).
//
// Immutable after construction; onMessage() may be called concurrently from
// every I/O loop, each for its own connections, in their loop threads. The
// callback therefore runs in many loop threads at once when a server has
// several, and must be thread-safe.
#ifndef MUDUO_NET_HTTP_HTTPCONNECTIONHANDLER_H_
#define MUDUO_NET_HTTP_HTTPCONNECTIONHANDLER_H_

#include <cstddef>
#include <functional>
#include <memory>

#include "absl/functional/any_invocable.h"
#include "muduo/base/Timestamp.h"
#include "muduo/base/UniqueFd.h"
#include "muduo/net/Callbacks.h"
#include "muduo/net/http/HttpParser.h"
#include "muduo/net/http/HttpRequest.h"
#include "muduo/net/http/HttpResponse.h"

namespace muduo::net {

// Fills the response to one request. Runs in the connection's loop thread;
// must not block. The response arrives with closeConnection() set from the
// request's keep-alive rules and headResponse() set for HEAD.
using HttpCallback = std::function<void(const HttpRequest&, HttpResponse*)>;

// Answers one request later, from any thread, exactly once. A response
// without a file body is handed to the connection in the calling thread
// (TcpConnection::send), so a shutdown begun after the call still delivers it.
using HttpResponder = absl::AnyInvocable<void(HttpResponse) &&>;
// Takes a request it will answer later through `respond` (returns true), or
// declines (false) so the HttpCallback answers it now. While an answer is
// pending the connection reads nothing more, so responses stay in order.
// `conn` is the request's connection, for a caller that must tie the work
// to it (cancel it when the connection closes).
using AsyncHttpCallback =
    std::function<bool(const TcpConnectionPtr& conn, const HttpRequest&, HttpResponder& respond)>;

class HttpConnectionHandler : public std::enable_shared_from_this<HttpConnectionHandler> {
 public:
  explicit HttpConnectionHandler(HttpCallback callback, HttpParser::Limits limits = {},
                                 size_t maxKeepAliveRequests = 0);
  // With an async callback the handler must be owned by a shared_ptr: a
  // late answer finds it (or finds it gone) through a weak reference.
  HttpConnectionHandler(HttpCallback callback, AsyncHttpCallback asyncCallback,
                        HttpParser::Limits limits = {}, size_t maxKeepAliveRequests = 0);

  // Loop thread of `conn`. A MessageCallback: consumes complete requests
  // from `buf` and answers them.
  void onMessage(const TcpConnectionPtr& conn, Buffer* buf, Timestamp receiveTime) const;

  // Loop thread of `conn`. Sends `response` (and its file body, if any).
  static void sendResponse(const TcpConnectionPtr& conn, HttpResponse* response);

 private:
  // The connection's context: its parser, whether an answer is pending, and
  // how many requests it has taken.
  struct Session {
    HttpParser parser;
    bool waiting = false;
    size_t requests = 0;
    // The prebuilt response file queued last (compared, never used): a
    // response may queue behind others only the same one, so the queue
    // holds at most one such descriptor, which cannot be reopened.
    const UniqueFd* queuedWholeFile = nullptr;
  };

  // sendResponse(), keeping `session`'s queuedWholeFile (null: none).
  static void sendResponse(const TcpConnectionPtr& conn, HttpResponse* response, Session* session);

  // Loop thread: after a late answer (sending it if it has a file body),
  // goes on with buffered requests or closes.
  void finishDeferred(const TcpConnectionPtr& conn, HttpResponse* response) const;
  // Loop thread: the keep-alive rules of the request and of this handler.
  void prepare(Session* session, HttpResponse* response) const;

  const HttpCallback callback_;
  const AsyncHttpCallback asyncCallback_;
  const HttpParser::Limits limits_;
  const size_t maxKeepAliveRequests_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_HTTP_HTTPCONNECTIONHANDLER_H_
