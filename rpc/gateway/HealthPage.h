// GET /health: 200 "ok" while the server serves, 503 "draining" once its
// shutdown began, so a load balancer stops sending before the port closes.
//
// Thread safety: any loop thread.
#ifndef RPC_GATEWAY_HEALTHPAGE_H_
#define RPC_GATEWAY_HEALTHPAGE_H_

namespace muduo::net {
class HttpRequest;
class HttpResponse;
}  // namespace muduo::net

namespace muduo::rpc {
class ServiceHost;
}  // namespace muduo::rpc

namespace muduo::rpc::gateway {

void healthPage(const ServiceHost& host, const net::HttpRequest& request,
                net::HttpResponse* response);

}  // namespace muduo::rpc::gateway

#endif  // RPC_GATEWAY_HEALTHPAGE_H_
