#include "rpc/gateway/RpcHttpGateway.h"

#include <algorithm>

#include "muduo/net/http/HttpConnectionHandler.h"
#include "muduo/net/http/HttpRequest.h"
#include "muduo/net/http/HttpResponse.h"
#include "rpc/gateway/HttpText.h"
#include "rpc/gateway/JsonCallHandler.h"
#include "rpc/gateway/Pages.h"

namespace muduo::rpc {
namespace {

using Page = void (*)(const ServiceHost&, const net::HttpRequest&, net::HttpResponse*);

struct Route {
  std::string_view path;
  Page page;
};

constexpr Route kPages[] = {
    {"/health", &gateway::healthPage},
    {"/status", &gateway::statusPage},
    {"/metrics", &gateway::metricsPage},
    {"/flags", &gateway::flagsPage},
};

}  // namespace

RpcHttpGateway::RpcHttpGateway(ServiceHost* host)
    : host_(host), json_(std::make_unique<gateway::JsonCallHandler>(host)) {
  // The gateway outlives every connection (its server owns it and dies
  // after them), so the callbacks may hold `this`.
  handler_ = std::make_shared<net::HttpConnectionHandler>(
      [this](const net::HttpRequest& request, net::HttpResponse* response) {
        handle(request, response);
      },
      [this](const net::TcpConnectionPtr& conn, const net::HttpRequest& request,
             net::HttpResponder& respond) { return json_->handle(conn, request, respond); });
}

RpcHttpGateway::~RpcHttpGateway() = default;

bool RpcHttpGateway::looksLikeHttp(std::string_view firstBytes) {
  static constexpr std::string_view kMethods[] = {"GET ",    "POST ",    "HEAD ",  "PUT ",
                                                  "DELETE ", "OPTIONS ", "PATCH ", "TRACE "};
  for (std::string_view method : kMethods) {
    const size_t n = std::min(firstBytes.size(), method.size());
    if (firstBytes.substr(0, n) == method.substr(0, n)) return true;
  }
  return false;
}

void RpcHttpGateway::onMessage(const net::TcpConnectionPtr& conn, net::Buffer* buf,
                               Timestamp receiveTime) {
  handler_->onMessage(conn, buf, receiveTime);
}

void RpcHttpGateway::onDisconnected(const net::TcpConnectionPtr& conn) {
  json_->onDisconnected(conn);
}

void RpcHttpGateway::handle(const net::HttpRequest& request, net::HttpResponse* response) const {
  const std::string_view path = request.path();
  const auto* route = std::find_if(std::begin(kPages), std::end(kPages),
                                   [path](const Route& r) { return r.path == path; });
  if (route != std::end(kPages)) {
    route->page(*host_, request, response);
  } else if (path.substr(0, gateway::JsonCallHandler::kPrefix.size()) ==
             gateway::JsonCallHandler::kPrefix) {
    gateway::textResponse(response, 405, "use POST with a JSON body\n");
    response->addHeader("Allow", "POST");
  } else {
    gateway::textResponse(response, 404,
                          "not found; try /status /metrics /flags /health /rpc/...\n");
  }
  // No browser may take these pages for something other than what they say.
  response->addHeader("X-Content-Type-Options", "nosniff");
}

}  // namespace muduo::rpc
