#include "absl/strings/str_cat.h"
#include "muduo/net/http/HttpResponse.h"
#include "rpc/ServiceHost.h"
#include "rpc/gateway/HttpText.h"
#include "rpc/gateway/Pages.h"

namespace muduo::rpc::gateway {

void healthPage(const ServiceHost& host, const net::HttpRequest& /*request*/,
                net::HttpResponse* response) {
  if (host.draining()) {
    textResponse(response, 503, "draining\n");
  } else if (absl::Status health = host.health(); !health.ok()) {
    textResponse(response, 503, absl::StrCat("unhealthy: ", health.ToString(), "\n"));
  } else {
    textResponse(response, 200, "ok\n");
  }
}

}  // namespace muduo::rpc::gateway
