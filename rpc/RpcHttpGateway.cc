#include "rpc/RpcHttpGateway.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
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
      "{\"code\": ", static_cast<int>(status.code()), ", \"status\": \"",
      absl::StatusCodeToString(status.code()), "\", \"message\": \"",
      jsonEscape(std::string_view(status.message().data(), status.message().size())), "\"}\n"));
  return response;
}

// Whether a Content-Type names JSON: the media type before any parameters,
// compared without regard to case (RFC 9110 8.3.1). Browsers send a
// cross-site POST without asking first only for form and text types, so
// insisting on this keeps a web page from calling methods on a local server.
bool isJson(std::string_view contentType) {
  constexpr std::string_view kJson = "application/json";
  std::string_view mediaType = contentType.substr(0, contentType.find(';'));
  // This abseil's string_view is not std::string_view, so its ascii helpers do not apply.
  while (!mediaType.empty() && (mediaType.front() == ' ' || mediaType.front() == '\t')) {
    mediaType.remove_prefix(1);
  }
  while (!mediaType.empty() && (mediaType.back() == ' ' || mediaType.back() == '\t')) {
    mediaType.remove_suffix(1);
  }
  return std::equal(mediaType.begin(), mediaType.end(), kJson.begin(), kJson.end(),
                    [](char a, char b) { return absl::ascii_tolower(a) == b; });
}

// Method names on the status pages are ones the descriptor pool knows, but
// the pages escape them anyway, so no future change to RpcStats can turn a
// client's string into markup or a metric line.
std::string htmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A label value in Prometheus' text format: backslash, double quote and
// newline are the characters it escapes.
std::string labelEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The answer to one JSON call, owning the connection's HttpResponder from
// the moment the gateway takes the request: the call may finish on any
// thread long after onMessage() (and the responder it lent us) is gone.
// Dropped unanswered - a service that loses its `done` - it answers 500,
// since the connection reads nothing while an answer is pending and would
// otherwise stay open for good. Move-only; send() at most once.
class JsonAnswer {
 public:
  explicit JsonAnswer(net::HttpResponder respond) : respond_(std::move(respond)) {}
  JsonAnswer(JsonAnswer&& other) noexcept : respond_(std::exchange(other.respond_, nullptr)) {}
  JsonAnswer& operator=(JsonAnswer&&) = delete;
  ~JsonAnswer() {
    if (respond_) send(jsonError(absl::InternalError("the call ended without an answer")));
  }

  void send(net::HttpResponse response) {
    net::HttpResponder respond = std::exchange(respond_, nullptr);
    if (respond) std::move(respond)(std::move(response));
  }

 private:
  net::HttpResponder respond_;
};

// A call's answer in protobuf's JSON mapping.
net::HttpResponse jsonResponse(const std::string& typeUrl,
                               const google::protobuf::MessageLite& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  const auto printed = google::protobuf::util::BinaryToJsonString(
      typeResolver(), typeUrl, message.SerializeAsString(), &json, options);
  if (!printed.ok()) return jsonError(absl::InternalError("response does not convert to JSON"));
  net::HttpResponse response;
  response.setStatusCode(200);
  response.setContentType("application/json");
  response.setBody(json + "\n");
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
        return handleRpc(request, respond);
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

bool RpcHttpGateway::handleRpc(const net::HttpRequest& request, net::HttpResponder& respond) {
  const std::string_view path = request.path();
  if (path.substr(0, kRpcPrefix.size()) != kRpcPrefix || request.method() != "POST") return false;
  const auto started = std::chrono::steady_clock::now();
  // Taken: from here on `answer` owns the responder, whoever answers and when.
  JsonAnswer answer(std::move(respond));
  if (!isJson(request.header("Content-Type"))) {
    net::HttpResponse response =
        jsonError(absl::InvalidArgumentError("POST /rpc/... takes Content-Type: application/json"));
    response.setStatusCode(415);
    answer.send(std::move(response));
    return true;
  }
  const std::string_view rest = path.substr(kRpcPrefix.size());
  const size_t slash = rest.rfind('/');
  if (slash == std::string_view::npos) {
    answer.send(jsonError(absl::InvalidArgumentError("use POST /rpc/<full.Service>/<Method>")));
    return true;
  }
  const std::string serviceName(rest.substr(0, slash));
  const std::string methodName(rest.substr(slash + 1));
  auto it = services_->find(serviceName);
  if (it == services_->end()) {
    answer.send(jsonError(absl::UnimplementedError(absl::StrCat("unknown service ", serviceName))));
    return true;
  }
  // As for MRPC calls: a served service's calls are counted, those to
  // methods it does not have in RpcStats' one row for unknown methods.
  RpcStats::Entry* const entry = stats_->entryFor(serviceName, methodName);
  auto fail = [&](const absl::Status& status) {
    stats_->record(entry, false, std::chrono::steady_clock::now() - started);
    answer.send(jsonError(status));
    return true;
  };
  const google::protobuf::ServiceDescriptor* serviceDescriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(serviceName);
  const google::protobuf::MethodDescriptor* method =
      serviceDescriptor != nullptr ? serviceDescriptor->FindMethodByName(methodName) : nullptr;
  if (method == nullptr) {
    return fail(
        absl::UnimplementedError(absl::StrCat("unknown method ", serviceName, ".", methodName)));
  }
  if (method->server_streaming()) {
    return fail(absl::UnimplementedError("streaming methods cannot be called as JSON"));
  }
  std::string binary;
  const auto parsed = google::protobuf::util::JsonToBinaryString(
      typeResolver(), typeUrl(method->input_type()), request.body().empty() ? "{}" : request.body(),
      &binary);
  if (!parsed.ok()) {
    return fail(absl::InvalidArgumentError(absl::StrCat(
        "request is not a JSON ", method->input_type()->full_name(), ": ", parsed.ToString())));
  }
  auto call = std::make_shared<ServerCall>(
      [answer = std::move(answer), outputUrl = typeUrl(method->output_type())](
          const absl::Status& status, const google::protobuf::MessageLite* message) mutable {
        answer.send(status.ok() ? jsonResponse(outputUrl, *message) : jsonError(status));
      },
      net::InetAddress(), std::move(binary), std::chrono::steady_clock::time_point::max());
  call->trackStats(stats_, entry);
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
  // No browser may take these pages for something other than what they say.
  response->addHeader("X-Content-Type-Options", "nosniff");
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
                            htmlEscape(name), m.calls, m.errors,
                            micros(m.latencyNs.percentile(0.5)),
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
  std::vector<std::string> labels;
  labels.reserve(methods.size());
  for (const auto& [name, m] : methods) labels.push_back(labelEscape(name));
  for (size_t i = 0; i < methods.size(); ++i) {
    absl::StrAppend(&body, "mrpc_calls_total{method=\"", labels[i], "\"} ", methods[i].second.calls,
                    "\n");
  }
  body +=
      "# HELP mrpc_errors_total Calls finished with a non-OK status.\n"
      "# TYPE mrpc_errors_total counter\n";
  for (size_t i = 0; i < methods.size(); ++i) {
    absl::StrAppend(&body, "mrpc_errors_total{method=\"", labels[i], "\"} ",
                    methods[i].second.errors, "\n");
  }
  body +=
      "# HELP mrpc_latency_seconds Call latency in the server.\n"
      "# TYPE mrpc_latency_seconds summary\n";
  for (size_t i = 0; i < methods.size(); ++i) {
    const std::string& label = labels[i];
    const Histogram& latency = methods[i].second.latencyNs;
    for (double q : {0.5, 0.99, 0.999}) {
      absl::StrAppendFormat(&body, "mrpc_latency_seconds{method=\"%s\",quantile=\"%g\"} %.9f\n",
                            label, q, static_cast<double>(latency.percentile(q)) / 1e9);
    }
    absl::StrAppendFormat(&body, "mrpc_latency_seconds_sum{method=\"%s\"} %.9f\n", label,
                          latency.mean() * static_cast<double>(latency.count()) / 1e9);
    absl::StrAppendFormat(&body, "mrpc_latency_seconds_count{method=\"%s\"} %d\n", label,
                          latency.count());
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
