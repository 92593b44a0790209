#include "rpc/gateway/JsonCallHandler.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message_lite.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/TcpConnection.h"
#include "muduo/net/http/HttpRequest.h"
#include "muduo/net/http/HttpResponse.h"
#include "rpc/RpcStats.h"
#include "rpc/ServerCall.h"
#include "rpc/Service.h"
#include "rpc/ServiceHost.h"
#include "rpc/gateway/HttpText.h"

namespace muduo::rpc::gateway {
namespace {

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

// The answer to one JSON call, owning the connection's HttpResponder from
// the moment the handler takes the request: the call may finish on any
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
  // Hands the responder on to whoever answers instead (a stream).
  [[nodiscard]] net::HttpResponder release() { return std::exchange(respond_, nullptr); }

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

// The NDJSON answer of one server-streaming call: the head went out when
// the call started (200, chunked); each message is a chunk of one JSON line;
// the end is a status line, {"status": "OK", "code": 0} or with a
// "message", then the last chunk, handed back to the connection through its
// HttpResponder so the next request is read. Dropped before the end (a
// handler that loses its writer), it ends INTERNAL. Shared by the call's
// writer and responder; write() and end() from any thread, end() once.
class NdjsonStream {
 public:
  NdjsonStream(const net::TcpConnectionPtr& conn, net::HttpResponder respond, std::string typeUrl)
      : conn_(conn), respond_(std::move(respond)), typeUrl_(std::move(typeUrl)) {}
  NdjsonStream(const NdjsonStream&) = delete;
  NdjsonStream& operator=(const NdjsonStream&) = delete;
  ~NdjsonStream() { end(absl::InternalError("the call ended without an answer")); }

  bool write(const google::protobuf::MessageLite& message) {
    auto conn = conn_.lock();
    if (conn == nullptr || !conn->connected()) return false;
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.always_print_primitive_fields = true;
    if (!google::protobuf::util::BinaryToJsonString(typeResolver(), typeUrl_,
                                                    message.SerializeAsString(), &json, options)
             .ok()) {
      return false;
    }
    json += '\n';
    net::Buffer chunk;
    net::HttpResponse::appendChunk(json, &chunk);
    conn->send(&chunk);
    return true;
  }

  void end(const absl::Status& status) {
    net::HttpResponder respond;
    {
      MutexLock lock(&mutex_);
      respond = std::exchange(respond_, nullptr);
    }
    if (!respond) return;
    std::string line = absl::StrCat("{\"status\": \"", absl::StatusCodeToString(status.code()),
                                    "\", \"code\": ", static_cast<int>(status.code()));
    if (!status.ok()) {
      absl::StrAppend(
          &line, ", \"message\": \"",
          jsonEscape(std::string_view(status.message().data(), status.message().size())), "\"");
    }
    line += "}\n";
    net::Buffer tail;
    net::HttpResponse::appendChunk(line, &tail);
    net::HttpResponse::appendChunk("", &tail);
    net::HttpResponse response;
    response.setContinuation(true);
    response.setBody(tail.retrieveAllAsString());
    std::move(respond)(std::move(response));
  }

 private:
  const std::weak_ptr<net::TcpConnection> conn_;
  Mutex mutex_;
  net::HttpResponder respond_ ABSL_GUARDED_BY(mutex_);
  const std::string typeUrl_;
};

}  // namespace

bool JsonCallHandler::handle(const net::TcpConnectionPtr& conn, const net::HttpRequest& request,
                             net::HttpResponder& respond) {
  const std::string_view path = request.path();
  if (path.substr(0, kPrefix.size()) != kPrefix || request.method() != "POST") return false;
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
  const std::string_view rest = path.substr(kPrefix.size());
  const size_t slash = rest.rfind('/');
  if (slash == std::string_view::npos) {
    answer.send(jsonError(absl::InvalidArgumentError("use POST /rpc/<full.Service>/<Method>")));
    return true;
  }
  const std::string serviceName(rest.substr(0, slash));
  const std::string methodName(rest.substr(slash + 1));
  Service* const service = host_->findService(serviceName);
  if (service == nullptr) {
    answer.send(jsonError(absl::UnimplementedError(absl::StrCat("unknown service ", serviceName))));
    return true;
  }
  // As for MRPC calls: a served service's calls are counted, those to
  // methods it does not have in RpcStats' one row for unknown methods.
  const std::shared_ptr<RpcStats> stats = host_->sharedStats();
  RpcStats::Entry* const entry = stats->entryFor(serviceName, methodName);
  auto fail = [&](const absl::Status& status) {
    stats->record(entry, false, std::chrono::steady_clock::now() - started);
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
  if (method->server_streaming() && request.version() != net::HttpRequest::Version::kHttp11) {
    return fail(absl::InvalidArgumentError("a streaming method answers in chunks: use HTTP/1.1"));
  }
  std::string binary;
  const auto parsed = google::protobuf::util::JsonToBinaryString(
      typeResolver(), typeUrl(method->input_type()), request.body().empty() ? "{}" : request.body(),
      &binary);
  if (!parsed.ok()) {
    return fail(absl::InvalidArgumentError(absl::StrCat(
        "request is not a JSON ", method->input_type()->full_name(), ": ", parsed.ToString())));
  }
  std::shared_ptr<ServerCall> call;
  if (method->server_streaming()) {
    call = startStream(conn, request, answer.release(), typeUrl(method->output_type()),
                       std::move(binary));
  } else {
    call = std::make_shared<ServerCall>(
        [answer = std::move(answer), outputUrl = typeUrl(method->output_type())](
            const absl::Status& status, const google::protobuf::MessageLite* message) mutable {
          answer.send(status.ok() ? jsonResponse(outputUrl, *message) : jsonError(status));
        },
        conn->peerAddress(), std::move(binary), std::chrono::steady_clock::time_point::max());
  }
  {
    MutexLock lock(&mutex_);
    live_[conn.get()] = call;
  }
  host_->dispatch(service, methodName, call);
  return true;
}

std::shared_ptr<ServerCall> JsonCallHandler::startStream(const net::TcpConnectionPtr& conn,
                                                         const net::HttpRequest& request,
                                                         net::HttpResponder respond,
                                                         std::string outputUrl,
                                                         std::string payload) {
  net::HttpResponse head(/*closeConnection=*/!request.keepAlive());
  head.setStatusCode(200);
  head.setContentType("application/x-ndjson");
  head.setChunked(true);
  net::HttpConnectionHandler::sendResponse(conn, &head);
  auto stream = std::make_shared<NdjsonStream>(conn, std::move(respond), std::move(outputUrl));
  auto call = std::make_shared<ServerCall>(
      conn,
      [stream](const absl::Status& status, const google::protobuf::MessageLite*) {
        stream->end(status);
      },
      [stream](const google::protobuf::MessageLite& message) { return stream->write(message); },
      std::move(payload), std::chrono::steady_clock::time_point::max());
  // Flow control as for MRPC streams: past the connection's budget the
  // call is not ready, and becomes ready when the connection drains.
  conn->setOutputResumedCallback(
      [weak = std::weak_ptr<ServerCall>(call)](const net::TcpConnectionPtr&) {
        if (auto c = weak.lock()) c->notifyWritable();
      });
  return call;
}

void JsonCallHandler::onDisconnected(const net::TcpConnectionPtr& conn) {
  std::shared_ptr<ServerCall> call;
  {
    MutexLock lock(&mutex_);
    auto it = live_.find(conn.get());
    if (it == live_.end()) return;
    call = it->second.lock();
    live_.erase(it);
  }
  // Outside the lock: the handler's on-cancel callback runs inside.
  if (call != nullptr) call->cancel();
}

}  // namespace muduo::rpc::gateway
