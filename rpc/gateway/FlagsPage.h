// GET /flags: the process's abseil flags and their current values, one
// "--name=value" a line, sorted by name.
//
// Thread safety: any loop thread.
#ifndef RPC_GATEWAY_FLAGSPAGE_H_
#define RPC_GATEWAY_FLAGSPAGE_H_

namespace muduo::net {
class HttpRequest;
class HttpResponse;
}  // namespace muduo::net

namespace muduo::rpc {
class ServiceHost;
}  // namespace muduo::rpc

namespace muduo::rpc::gateway {

void flagsPage(const ServiceHost& host, const net::HttpRequest& request,
               net::HttpResponse* response);

}  // namespace muduo::rpc::gateway

#endif  // RPC_GATEWAY_FLAGSPAGE_H_
