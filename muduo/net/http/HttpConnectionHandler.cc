#include "muduo/net/http/HttpConnectionHandler.h"

#include <any>

#include "muduo/base/Logging.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/TcpConnection.h"

namespace muduo::net {

HttpConnectionHandler::HttpConnectionHandler(HttpCallback callback, HttpParser::Limits limits,
                                             size_t maxKeepAliveRequests)
    : callback_(std::move(callback)),
      limits_(limits),
      maxKeepAliveRequests_(maxKeepAliveRequests) {}

HttpConnectionHandler::HttpConnectionHandler(HttpCallback callback, AsyncHttpCallback asyncCallback,
                                             HttpParser::Limits limits, size_t maxKeepAliveRequests)
    : callback_(std::move(callback)),
      asyncCallback_(std::move(asyncCallback)),
      limits_(limits),
      maxKeepAliveRequests_(maxKeepAliveRequests) {}

void HttpConnectionHandler::prepare(Session* session, HttpResponse* response) const {
  const HttpRequest& request = session->parser.request();
  if (!request.keepAlive()) response->setCloseConnection(true);
  if (maxKeepAliveRequests_ > 0 && session->requests >= maxKeepAliveRequests_) {
    response->setCloseConnection(true);
  }
  response->setHeadResponse(request.method() == "HEAD");
}

void HttpConnectionHandler::finishDeferred(const TcpConnectionPtr& conn,
                                           HttpResponse* response) const {
  Session* session = std::any_cast<Session>(conn->getMutableContext());
  if (session == nullptr || !session->waiting) return;
  session->waiting = false;
  // A file body is sent here, in the loop; any other went when answered.
  if (response->hasFileBody() && conn->connected()) sendResponse(conn, response, session);
  session->parser.reset();
  if (!conn->connected()) return;
  if (response->closeConnection()) {
    conn->shutdown();
    return;
  }
  conn->startRead();
  onMessage(conn, conn->inputBuffer(), Timestamp::now());
}

void HttpConnectionHandler::sendResponse(const TcpConnectionPtr& conn, HttpResponse* response) {
  sendResponse(conn, response, nullptr);
}

void HttpConnectionHandler::sendResponse(const TcpConnectionPtr& conn, HttpResponse* response,
                                         Session* session) {
  if (response->hasWholeResponseFile()) {
    // Behind another file a prebuilt copy holds its descriptor until its
    // turn (it cannot be opened again): queued only when nothing is, or
    // behind the same copy (pipelined requests for one hot file), so a
    // peer that asks for many hot files and never reads holds one. The
    // usual response reopens its file in turn.
    const size_t length = response->wholeResponseLength();
    std::shared_ptr<const UniqueFd> whole = response->releaseWholeResponseFile();
    if (conn->queuedOutputBytes() == 0 ||
        (session != nullptr && whole.get() == session->queuedWholeFile)) {
      if (session != nullptr) session->queuedWholeFile = whole.get();
      // All of it in one file: one sendfile, nothing before it.
      conn->sendFile(std::move(whole), 0, length);
      return;
    }
  }
  // Reused per thread: send(Buffer*) swaps storage with the connection's
  // empty output buffer, so steady state allocates nothing here.
  thread_local Buffer output;
  response->appendToBuffer(&output);
  conn->send(&output);
  // Otherwise the response closes its file when it goes.
  if (response->hasFileBody() && !response->headResponse() && response->statusAllowsBody()) {
    const off_t offset = response->fileOffset();
    const size_t length = response->fileLength();
    conn->sendFile(response->releaseFile(), offset, length, response->releaseFileOpener());
  }
}

void HttpConnectionHandler::onMessage(const TcpConnectionPtr& conn, Buffer* buf,
                                      Timestamp receiveTime) const {
  Session* session = std::any_cast<Session>(conn->getMutableContext());
  if (session == nullptr) {
    conn->setContext(Session{HttpParser(limits_), false, 0});
    session = std::any_cast<Session>(conn->getMutableContext());
  }
  // An answer is pending: later requests wait in `buf`, in order.
  if (session->waiting) return;
  HttpParser* parser = &session->parser;
  // One pass per complete request in `buf`: pipelined requests are answered
  // in order, their responses gathered into one write by TcpConnection.
  while (conn->connected()) {
    // Between requests, over the output budget: the rest stays in `buf`
    // and TcpConnection calls again once the peer has read enough. A request
    // already begun is finished; its size is bounded by the parser's limits.
    if (!parser->midRequest() && conn->outputBudgetExceeded()) return;
    const HttpParser::Result result = parser->parse(buf, receiveTime);
    conn->setMidRequest(parser->midRequest());
    if (result == HttpParser::Result::kNeedMore) {
      if (parser->takeContinueRequest()) conn->send("HTTP/1.1 100 Continue\r\n\r\n");
      return;
    }
    if (result == HttpParser::Result::kError) {
      LOG_DEBUG << "HTTP " << conn->name() << " from " << conn->peerAddress().toIpPort() << ": "
                << parser->errorStatus() << " " << parser->errorReason();
      HttpResponse response(/*closeConnection=*/true);
      response.setStatusCode(parser->errorStatus());
      response.setContentType("text/plain");
      response.setBody(std::string(HttpResponse::reasonPhrase(parser->errorStatus())) + "\n");
      sendResponse(conn, &response);
      // The framing is lost: nothing after this point can be trusted.
      conn->shutdown();
      break;
    }
    ++session->requests;
    // Complete: the deadline waits for the next request's first byte.
    conn->setMidRequest(false);
    const HttpRequest& request = parser->request();
    if (asyncCallback_) {
      // The keep-alive rules are this request's, known now; the answer may
      // come from any thread, where the session must not be touched.
      HttpResponse rules;
      prepare(session, &rules);
      HttpResponder respond = [weak = weak_from_this(),
                               weakConn = std::weak_ptr<TcpConnection>(conn),
                               close = rules.closeConnection(),
                               head = rules.headResponse()](HttpResponse response) mutable {
        TcpConnectionPtr c = weakConn.lock();
        if (c == nullptr) return;
        if (close) response.setCloseConnection(true);
        response.setHeadResponse(head);
        if (!response.hasFileBody()) {
          // The bytes leave now, from this thread: send() keeps them in
          // order and counts them in transit, so a shutdown() that any
          // thread starts after this answer still delivers it.
          Buffer output;
          response.appendToBuffer(&output);
          c->send(&output);
        }
        // The rest is queued, never run inline: the request that asked may
        // still be on the stack, even when it answers at once.
        c->getLoop()->queueInLoop(
            [weak = std::move(weak), c, response = std::move(response)]() mutable {
              if (auto self = weak.lock()) self->finishDeferred(c, &response);
            });
      };
      session->waiting = true;
      if (asyncCallback_(conn, request, respond)) {
        // Back-pressure while we wait: a flood of pipelined requests stays
        // in the peer's socket, not in our memory.
        conn->stopRead();
        return;
      }
      session->waiting = false;
    }
    HttpResponse response;
    prepare(session, &response);
    callback_(request, &response);
    sendResponse(conn, &response, session);
    parser->reset();
    if (response.closeConnection()) {
      conn->shutdown();
      break;
    }
  }
  // Closing (or closed): whatever else the peer sent is not answered.
  buf->retrieveAll();
}

}  // namespace muduo::net
