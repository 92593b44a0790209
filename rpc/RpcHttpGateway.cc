#include "rpc/RpcHttpGateway.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "muduo/net/http/HttpConnectionHandler.h"
#include "muduo/net/http/HttpRequest.h"
#include "muduo/net/http/HttpResponse.h"
#include "rpc/RpcStats.h"
#include "rpc/ServerCall.h"
#include "rpc/Service.h"

namespace muduo::rpc {
namespace {

constexpr std::string_view kRpcPrefix = "/rpc/";
constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

// One resolver for the generated pool, built on first use and shared.
google::protobuf::util::TypeResolver* typeResolver() {
  static google::protobuf::util::TypeResolver* resolver =
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          kTypeUrlPrefix, google::protobuf::DescriptorPool::generated_pool());
  return resolver;
}

std::string typeUrl(const google::protobuf::Descriptor* type) {
  return absl::StrCat(kTypeUrlPrefix, "/", type->full_name());
}

std::string jsonEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", static_cast<int>(c));
        } else {
          out += c;
        }
    }
  }
  return out;
}

// The HTTP status that best matches a canonical code.
int httpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kUnimplemented:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

net::HttpResponse jsonError(const absl::Status& status) {
  net::HttpResponse response;
  response.setStatusCode(httpStatusFor(status.code()));
  response.setContentType("application/json");
  response.setBody(absl::StrCat(
      "{\"code\": ", static_cast<int>(status.code()), ", \"message\": \"",
      jsonEscape(std::string_view(status.message().data(), status.message().size())), "\"}\n"));
  return response;
}

void textResponse(net::HttpResponse* response, int code, std::string body) {
  response->setStatusCode(code);
  response->setContentType("text/plain; charset=utf-8");
  response->setBody(std::move(body));
}

double micros(int64_t ns) { return static_cast<double>(ns) / 1000.0; }

}  // namespace

RpcHttpGateway::RpcHttpGateway(const absl::flat_hash_map<std::string, Service*>* services,
                               std::shared_ptr<RpcStats> stats)
    : services_(services), stats_(std::move(stats)) {
  handler_ = std::make_shared<net::HttpConnectionHandler>(
      [this](const net::HttpRequest& request, net::HttpResponse* response) {
        handle(request, response);
      },
      [this](const net::HttpRequest& request, net::HttpResponder& respond) {
        return handleRpc(request, [&respond](net::HttpResponse response) mutable {
          std::move(respond)(std::move(response));
        });
      });
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

bool RpcHttpGateway::handleRpc(const net::HttpRequest& request,
                               std::function<void(net::HttpResponse)> respond) {
  const std::string_view path = request.path();
  if (path.substr(0, kRpcPrefix.size()) != kRpcPrefix || request.method() != "POST") return false;
  const std::string_view rest = path.substr(kRpcPrefix.size());
  const size_t slash = rest.rfind('/');
  if (slash == std::string_view::npos) {
    respond(jsonError(absl::InvalidArgumentError("use POST /rpc/<full.Service>/<Method>")));
    return true;
  }
  const std::string serviceName(rest.substr(0, slash));
  const std::string methodName(rest.substr(slash + 1));
  auto it = services_->find(serviceName);
  const google::protobuf::ServiceDescriptor* serviceDescriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(serviceName);
  const google::protobuf::MethodDescriptor* method =
      serviceDescriptor != nullptr ? serviceDescriptor->FindMethodByName(methodName) : nullptr;
  if (it == services_->end() || method == nullptr) {
    respond(jsonError(
        absl::UnimplementedError(absl::StrCat("unknown method ", serviceName, ".", methodName))));
    return true;
  }
  if (method->server_streaming()) {
    respond(jsonError(absl::UnimplementedError("streaming methods cannot be called as JSON")));
    return true;
  }
  std::string binary;
  const auto parsed = google::protobuf::util::JsonToBinaryString(
      typeResolver(), typeUrl(method->input_type()), request.body().empty() ? "{}" : request.body(),
      &binary);
  if (!parsed.ok()) {
    respond(jsonError(absl::InvalidArgumentError(absl::StrCat(
        "request is not a JSON ", method->input_type()->full_name(), ": ", parsed.ToString()))));
    return true;
  }
  const std::string outputUrl = typeUrl(method->output_type());
  auto call = std::make_shared<ServerCall>(
      [respond, outputUrl](const absl::Status& status,
                           const google::protobuf::MessageLite* message) {
        if (!status.ok()) {
          respond(jsonError(status));
          return;
        }
        std::string json;
        google::protobuf::util::JsonPrintOptions options;
        options.always_print_primitive_fields = true;
        const auto printed = google::protobuf::util::BinaryToJsonString(
            typeResolver(), outputUrl, message->SerializeAsString(), &json, options);
        if (!printed.ok()) {
          respond(jsonError(absl::InternalError("response does not convert to JSON")));
          return;
        }
        net::HttpResponse response;
        response.setStatusCode(200);
        response.setContentType("application/json");
        response.setBody(json + "\n");
        respond(std::move(response));
      },
      net::InetAddress(), std::move(binary), std::chrono::steady_clock::time_point::max());
  call->trackStats(stats_, stats_->entryFor(serviceName, methodName));
  if (!it->second->callMethod(methodName, call)) {
    call->finish(absl::UnimplementedError(absl::StrCat("unknown method ", methodName)), nullptr);
  }
  return true;
}

void RpcHttpGateway::handle(const net::HttpRequest& request, net::HttpResponse* response) const {
  const std::string_view path = request.path();
  if (path == "/health") {
    if (draining_.load(std::memory_order_relaxed)) {
      textResponse(response, 503, "draining\n");
    } else {
      textResponse(response, 200, "ok\n");
    }
  } else if (path == "/status") {
    status(request, response);
  } else if (path == "/metrics") {
    metrics(response);
  } else if (path == "/flags") {
    flags(response);
  } else if (path.substr(0, kRpcPrefix.size()) == kRpcPrefix) {
    textResponse(response, 405, "use POST with a JSON body\n");
    response->addHeader("Allow", "POST");
  } else {
    textResponse(response, 404, "not found; try /status /metrics /flags /health /rpc/...\n");
  }
}

void RpcHttpGateway::status(const net::HttpRequest& request, net::HttpResponse* response) const {
  const auto methods = stats_->snapshot();
  const bool html = request.header("Accept").find("text/html") != std::string_view::npos;
  std::string body;
  if (html) {
    body = absl::StrCat(
        "<!doctype html><html><head><title>MRPC status</title></head><body>"
        "<h1>MRPC server</h1><p>uptime ",
        stats_->uptime().count(), " s, ", stats_->connections(),
        " connections</p><table border=1 cellpadding=4><tr><th>method</th><th>calls</th>"
        "<th>errors</th><th>p50 us</th><th>p99 us</th><th>p99.9 us</th><th>max us</th></tr>");
    for (const auto& [name, m] : methods) {
      absl::StrAppendFormat(&body,
                            "<tr><td>%s</td><td>%d</td><td>%d</td><td>%.1f</td><td>%.1f</td>"
                            "<td>%.1f</td><td>%.1f</td></tr>",
                            name, m.calls, m.errors, micros(m.latencyNs.percentile(0.5)),
                            micros(m.latencyNs.percentile(0.99)),
                            micros(m.latencyNs.percentile(0.999)), micros(m.latencyNs.max()));
    }
    body += "</table></body></html>\n";
    response->setStatusCode(200);
    response->setContentType("text/html; charset=utf-8");
    response->setBody(std::move(body));
    return;
  }
  body = absl::StrFormat("uptime %d s\nconnections %d\n\n%-48s %10s %8s %10s %10s %10s %10s\n",
                         stats_->uptime().count(), stats_->connections(), "method", "calls",
                         "errors", "p50_us", "p99_us", "p99.9_us", "max_us");
  for (const auto& [name, m] : methods) {
    absl::StrAppendFormat(&body, "%-48s %10d %8d %10.1f %10.1f %10.1f %10.1f\n", name, m.calls,
                          m.errors, micros(m.latencyNs.percentile(0.5)),
                          micros(m.latencyNs.percentile(0.99)),
                          micros(m.latencyNs.percentile(0.999)), micros(m.latencyNs.max()));
  }
  textResponse(response, 200, std::move(body));
}

void RpcHttpGateway::metrics(net::HttpResponse* response) const {
  const auto methods = stats_->snapshot();
  std::string body = absl::StrCat(
      "# HELP mrpc_uptime_seconds Time since the server started.\n"
      "# TYPE mrpc_uptime_seconds gauge\nmrpc_uptime_seconds ",
      stats_->uptime().count(),
      "\n# HELP mrpc_connections Open connections.\n# TYPE mrpc_connections gauge\n"
      "mrpc_connections ",
      stats_->connections(),
      "\n# HELP mrpc_calls_total Finished calls.\n# TYPE mrpc_calls_total counter\n");
  for (const auto& [name, m] : methods) {
    absl::StrAppend(&body, "mrpc_calls_total{method=\"", name, "\"} ", m.calls, "\n");
  }
  body +=
      "# HELP mrpc_errors_total Calls finished with a non-OK status.\n"
      "# TYPE mrpc_errors_total counter\n";
  for (const auto& [name, m] : methods) {
    absl::StrAppend(&body, "mrpc_errors_total{method=\"", name, "\"} ", m.errors, "\n");
  }
  body +=
      "# HELP mrpc_latency_seconds Call latency in the server.\n"
      "# TYPE mrpc_latency_seconds summary\n";
  for (const auto& [name, m] : methods) {
    for (double q : {0.5, 0.99, 0.999}) {
      absl::StrAppendFormat(&body, "mrpc_latency_seconds{method=\"%s\",quantile=\"%g\"} %.9f\n",
                            name, q, static_cast<double>(m.latencyNs.percentile(q)) / 1e9);
    }
    absl::StrAppendFormat(&body, "mrpc_latency_seconds_sum{method=\"%s\"} %.9f\n", name,
                          m.latencyNs.mean() * static_cast<double>(m.latencyNs.count()) / 1e9);
    absl::StrAppendFormat(&body, "mrpc_latency_seconds_count{method=\"%s\"} %d\n", name,
                          m.latencyNs.count());
  }
  response->setStatusCode(200);
  response->setContentType("text/plain; version=0.0.4");
  response->setBody(std::move(body));
}

void RpcHttpGateway::flags(net::HttpResponse* response) {
  std::vector<std::pair<std::string, std::string>> all;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    all.emplace_back(std::string(name), flag->CurrentValue());
  }
  std::sort(all.begin(), all.end());
  std::string body;
  for (const auto& [name, value] : all) absl::StrAppend(&body, "--", name, "=", value, "\n");
  textResponse(response, 200, std::move(body));
}

}  // namespace muduo::rpc
