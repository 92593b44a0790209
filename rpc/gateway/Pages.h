// The gateway's built-in pages, one function each with the same signature
// (RpcHttpGateway routes by path to them); each lives in its own .cc file,
// as brpc keeps each built-in page apart.
//
// Thread safety: each may run in any loop thread, concurrently.
#ifndef RPC_GATEWAY_PAGES_H_
#define RPC_GATEWAY_PAGES_H_

namespace muduo::net {
class HttpRequest;
class HttpResponse;
}  // namespace muduo::net

namespace muduo::rpc {
class ServiceHost;
}  // namespace muduo::rpc

namespace muduo::rpc::gateway {

// GET /flags: the process's abseil flags and their current values, one
// "--name=value" a line, sorted by name. (FlagsPage.cc)
void flagsPage(const ServiceHost& host, const net::HttpRequest& request,
               net::HttpResponse* response);

// GET /health: 200 "ok" while the server serves, 503 "draining" once its
// shutdown began, so a load balancer stops sending before the port closes,
// and 503 "unhealthy: <why>" while ServiceHost::health() is not OK.
// (HealthPage.cc)
void healthPage(const ServiceHost& host, const net::HttpRequest& request,
                net::HttpResponse* response);

// GET /metrics: what /status shows, in Prometheus' text exposition format
// (uptime and connections as gauges, calls and errors as counters, latency
// as a summary), every method label escaped. (MetricsPage.cc)
void metricsPage(const ServiceHost& host, const net::HttpRequest& request,
                 net::HttpResponse* response);

// GET /status: uptime, open connections, health (and why not) and, per method, calls, errors and
// latency percentiles; HTML for a browser (Accept: text/html), aligned text
// otherwise. Method names are escaped although RpcStats only ever holds
// names the descriptor pool knows. (StatusPage.cc)
void statusPage(const ServiceHost& host, const net::HttpRequest& request,
                net::HttpResponse* response);

}  // namespace muduo::rpc::gateway

#endif  // RPC_GATEWAY_PAGES_H_
