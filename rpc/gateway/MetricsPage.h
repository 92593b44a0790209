// GET /metrics: what /status shows, in Prometheus' text exposition format
// (uptime and connections as gauges, calls and errors as counters, latency
// as a summary), every method label escaped.
//
// Thread safety: any loop thread.
#ifndef RPC_GATEWAY_METRICSPAGE_H_
#define RPC_GATEWAY_METRICSPAGE_H_

namespace muduo::net {
class HttpRequest;
class HttpResponse;
}  // namespace muduo::net

namespace muduo::rpc {
class ServiceHost;
}  // namespace muduo::rpc

namespace muduo::rpc::gateway {

void metricsPage(const ServiceHost& host, const net::HttpRequest& request,
                 net::HttpResponse* response);

}  // namespace muduo::rpc::gateway

#endif  // RPC_GATEWAY_METRICSPAGE_H_
