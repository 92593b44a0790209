// Text helpers the gateway's pages share: escaping for the three places a
// name can land (HTML, a Prometheus label, a JSON string) and a plain-text
// response.
//
// Thread safety: pure functions; any thread.
#ifndef RPC_GATEWAY_HTTPTEXT_H_
#define RPC_GATEWAY_HTTPTEXT_H_

#include <string>
#include <string_view>

namespace muduo::net {
class HttpResponse;
}  // namespace muduo::net

namespace muduo::rpc::gateway {

std::string htmlEscape(std::string_view text);
// A label value in Prometheus' text format: backslash, double quote, newline.
std::string labelEscape(std::string_view text);
std::string jsonEscape(std::string_view text);

void textResponse(net::HttpResponse* response, int code, std::string body);

}  // namespace muduo::rpc::gateway

#endif  // RPC_GATEWAY_HTTPTEXT_H_
