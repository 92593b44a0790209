#include "muduo/net/http/HttpConnectionHandler.h"

#include <any>

#include "muduo/base/Logging.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/TcpConnection.h"

namespace muduo::net {

HttpConnectionHandler::HttpConnectionHandler(HttpCallback callback, HttpParser::Limits limits)
    : callback_(std::move(callback)), limits_(limits) {}

void HttpConnectionHandler::sendResponse(const TcpConnectionPtr& conn, HttpResponse* response) {
  // Reused per thread: send(Buffer*) swaps storage with the connection's
  // empty output buffer, so steady state allocates nothing here.
  thread_local Buffer output;
  response->appendToBuffer(&output);
  conn->send(&output);
  if (response->hasFileBody() && !response->headResponse() && response->statusAllowsBody()) {
    const off_t offset = response->fileOffset();
    const size_t length = response->fileLength();
    conn->sendFile(response->releaseFile(), offset, length);
  }
}

void HttpConnectionHandler::onMessage(const TcpConnectionPtr& conn, Buffer* buf,
                                      Timestamp receiveTime) const {
  HttpParser* parser = std::any_cast<HttpParser>(conn->getMutableContext());
  if (parser == nullptr) {
    conn->setContext(HttpParser(limits_));
    parser = std::any_cast<HttpParser>(conn->getMutableContext());
  }
  // One pass per complete request in `buf`: pipelined requests are answered
  // in order, their responses gathered into one write by TcpConnection.
  while (conn->connected()) {
    const HttpParser::Result result = parser->parse(buf, receiveTime);
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
    const HttpRequest& request = parser->request();
    HttpResponse response(!request.keepAlive());
    response.setHeadResponse(request.method() == "HEAD");
    callback_(request, &response);
    sendResponse(conn, &response);
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
