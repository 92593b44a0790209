// GET /status: uptime, open connections and, per method, calls, errors and
// latency percentiles; HTML for a browser (Accept: text/html), aligned text
// otherwise. Method names are escaped although RpcStats only ever holds
// names the descriptor pool knows.
//
// Thread safety: any loop thread.
#ifndef RPC_GATEWAY_STATUSPAGE_H_
#define RPC_GATEWAY_STATUSPAGE_H_

namespace muduo::net {
class HttpRequest;
class HttpResponse;
}  // namespace muduo::net

namespace muduo::rpc {
class ServiceHost;
}  // namespace muduo::rpc

namespace muduo::rpc::gateway {

void statusPage(const ServiceHost& host, const net::HttpRequest& request,
                net::HttpResponse* response);

}  // namespace muduo::rpc::gateway

#endif  // RPC_GATEWAY_STATUSPAGE_H_
