// Fuzzes the HTTP/JSON gateway's request-to-call mapping through the real
// server: one client's bytes, cut at points the input chooses, reach an
// RpcServer with the gateway plugged in over a socketpair
// (rpc/testing/SocketPairConnection), so protocol sniffing, the HTTP
// connection handler, the pages and JsonCallHandler (path to service and
// method, Content-Type, JSON body to request, answer or error to JSON) all
// run as they do on an accepted connection. The service answers at once, at
// the end of the loop turn, with an error, not at all, or as a short stream.
//
// Beyond "no crash", the answers are held to what the requests asked, the
// requests being read back with the same HttpParser the server uses:
//  - one response per request, in order (after any 100 Continue), and one
//    with the parser's error status for a request that does not parse;
//  - every response is framed (Content-Length or chunked; none for HEAD) and
//    nothing is left over;
//  - a POST /rpc/... is answered with a call or a clear error: 200 with a
//    JSON object (NDJSON lines ending in a status line for a stream), or an
//    HTTP error status with {"code", "status", "message"}, the code one of
//    the canonical ones and the status its name;
//  - heap use for the whole connection stays within a fixed multiple of the
//    input size, and no call outlives the connection.
//
// Single-threaded: the loop, the server and the checks run in the fuzzer's
// thread (no worker pool).
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/json_util.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/InetAddress.h"
#include "muduo/net/http/HttpParser.h"
#include "rpc/RpcServer.h"
#include "rpc/compiler/testdata/test.rpc.h"
#include "rpc/gateway/RpcHttpGateway.h"
#include "rpc/testing/SocketPairConnection.h"
#include "tools/fuzzing/AllocationBudget.h"
#include "tools/fuzzing/QuietLogs.h"
#include "tools/fuzzing/SplitPoints.h"

namespace muduo::rpc {
namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "RpcHttpGateway_fuzzer: property violated: %s\n", what);
    std::abort();
  }
}

// Echo's text picks how it answers: "not-found" an error, "drop" never (the
// gateway then answers 500), "later" at the end of the loop turn, anything
// else at once. Count streams at most kMaxPoints points, so a range from
// the fuzzer cannot keep the loop busy for long.
class FuzzService final : public test::TestService::Service {
 public:
  static constexpr int32_t kMaxPoints = 8;

  explicit FuzzService(net::EventLoop* loop) : loop_(loop) {}

  void Echo(ServerContext*, const test::EchoRequest* request, test::EchoResponse* response,
            DoneCallback done) override {
    if (request->text() == "drop") return;
    if (request->text() == "not-found") {
      std::move(done)(absl::NotFoundError("no such text"));
      return;
    }
    response->set_text(request->text());
    if (request->text() == "later") {
      loop_->queueInLoop([done = std::move(done)]() mutable { std::move(done)(absl::OkStatus()); });
      return;
    }
    std::move(done)(absl::OkStatus());
  }
  void Mark(ServerContext*, const testcommon::Point*, google::protobuf::Empty*,
            DoneCallback done) override {
    std::move(done)(absl::OkStatus());
  }
  void Count(ServerContext*, const test::CountRequest_Range* request,
             ServerWriter<testcommon::Point> writer) override {
    const int64_t last =
        std::min<int64_t>(request->last(), int64_t{request->first()} + kMaxPoints - 1);
    for (int64_t x = request->first(); x <= last; ++x) {
      testcommon::Point point;
      point.set_x(static_cast<int32_t>(x));
      if (!writer.Write(point)) return;
    }
    writer.Finish(absl::OkStatus());
  }

 private:
  net::EventLoop* const loop_;
};

struct Harness {
  net::EventLoop loop;
  FuzzService service{&loop};
  RpcServer server{&loop, net::InetAddress(0, /*loopbackOnly=*/true)};

  Harness() {
    server.addService(&service);
    server.addProtocol(std::make_unique<RpcHttpGateway>(&server));
  }
};

Harness& harness() {
  static Harness* h = new Harness;  // never destroyed: the process ends with it
  return *h;
}

// What the client asked, as the server's parser reads it.
struct Asked {
  std::string method;
  bool rpc = false;  // POST /rpc/...
  bool closes = false;
};

struct Requests {
  std::vector<Asked> asked;
  bool parseError = false;
  int errorStatus = 0;  // the parser's answer to the request it refused
};

Requests readRequests(std::string_view stream) {
  Requests out;
  net::HttpParser parser;
  net::Buffer buf;
  buf.append(stream);
  for (;;) {
    const net::HttpParser::Result result = parser.parse(&buf);
    if (result == net::HttpParser::Result::kNeedMore) return out;
    if (result == net::HttpParser::Result::kError) {
      out.parseError = true;
      out.errorStatus = parser.errorStatus();
      return out;
    }
    const net::HttpRequest& request = parser.request();
    Asked a;
    a.method = request.method();
    a.rpc = request.method() == "POST" && request.path().substr(0, 5) == "/rpc/";
    a.closes = !request.keepAlive();
    out.asked.push_back(a);
    if (a.closes) return out;
    parser.reset();
  }
}

// The whole of `text` as a number in `base`.
template <typename T>
bool parseNumber(std::string_view text, int base, T* out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out, base);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

struct Response {
  int status = 0;
  std::string contentType;
  bool chunked = false;
  std::string body;  // de-chunked
};

// Parses one response off the front of `in`; false when it is not all there.
bool takeResponse(std::string_view* in, bool head, Response* out) {
  const size_t end = in->find("\r\n\r\n");
  if (end == std::string_view::npos) return false;
  std::string_view head_lines = in->substr(0, end + 2);
  std::string_view rest = in->substr(end + 4);
  const size_t lineEnd = head_lines.find("\r\n");
  std::string_view statusLine = head_lines.substr(0, lineEnd);
  require(statusLine.substr(0, 7) == "HTTP/1." && statusLine.size() >= 12 && statusLine[8] == ' ',
          "a response starts with a status line");
  require(parseNumber(statusLine.substr(9, 3), 10, &out->status), "the status is a number");
  std::string_view headers = head_lines.substr(lineEnd + 2);
  size_t length = 0;
  bool hasLength = false;
  while (!headers.empty()) {
    const size_t e = headers.find("\r\n");
    std::string_view line = headers.substr(0, e);
    headers.remove_prefix(e + 2);
    const size_t colon = line.find(':');
    require(colon != std::string_view::npos, "a header line has a colon");
    const std::string name = absl::AsciiStrToLower(std::string(line.substr(0, colon)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (name == "content-length") {
      require(parseNumber(value, 10, &length), "Content-Length is a number");
      hasLength = true;
    } else if (name == "transfer-encoding") {
      out->chunked = value == "chunked";
    } else if (name == "content-type") {
      out->contentType = std::string(value);
    }
  }
  if (out->status < 200 || head) {
    *in = rest;
    return true;
  }
  if (out->chunked) {
    for (;;) {
      const size_t e = rest.find("\r\n");
      if (e == std::string_view::npos) return false;
      size_t size = 0;
      require(parseNumber(rest.substr(0, e), 16, &size), "a chunk size is hex");
      if (rest.size() < e + 2 + size + 2) return false;
      require(rest.substr(e + 2 + size, 2) == "\r\n", "a chunk ends in CRLF");
      out->body.append(rest.substr(e + 2, size));
      rest.remove_prefix(e + 2 + size + 2);
      if (size == 0) break;
    }
  } else {
    require(hasLength, "a response says how long its body is");
    if (rest.size() < length) return false;
    out->body = std::string(rest.substr(0, length));
    rest.remove_prefix(length);
  }
  *in = rest;
  return true;
}

// A JSON object, read back as protobuf's JSON parser reads it. Made by the
// library (New()), at the library's size: see member() below.
std::unique_ptr<google::protobuf::Struct> jsonObject(std::string_view text) {
  std::unique_ptr<google::protobuf::Struct> object(
      google::protobuf::Struct::default_instance().New());
  require(google::protobuf::util::JsonStringToMessage(std::string(text), object.get()).ok(),
          "a JSON answer is a JSON object");
  return object;
}

// A member of a JSON object: its number, or its string. Read through
// reflection, which runs inside libprotobuf: Debian's library is built
// without TSan, and protobuf's inline Map code in a TSan build lays the map
// out differently, so touching the map directly crashes there.
struct Member {
  bool present = false;
  bool isNumber = false;
  bool isString = false;
  double number = 0;
  std::string text;
};

Member member(const google::protobuf::Struct& object, std::string_view name) {
  using google::protobuf::FieldDescriptor;
  using google::protobuf::Message;
  Member out;
  const FieldDescriptor* fields = object.GetDescriptor()->FindFieldByName("fields");
  const int n = object.GetReflection()->FieldSize(object, fields);
  for (int i = 0; i < n; ++i) {
    const Message& entry = object.GetReflection()->GetRepeatedMessage(object, fields, i);
    const auto* entryType = entry.GetDescriptor();
    if (entry.GetReflection()->GetString(entry, entryType->FindFieldByName("key")) != name) {
      continue;
    }
    const Message& value =
        entry.GetReflection()->GetMessage(entry, entryType->FindFieldByName("value"));
    const FieldDescriptor* number = value.GetDescriptor()->FindFieldByName("number_value");
    const FieldDescriptor* string = value.GetDescriptor()->FindFieldByName("string_value");
    out.present = true;
    out.isNumber = value.GetReflection()->HasField(value, number);
    out.isString = value.GetReflection()->HasField(value, string);
    if (out.isNumber) out.number = value.GetReflection()->GetDouble(value, number);
    if (out.isString) out.text = value.GetReflection()->GetString(value, string);
  }
  return out;
}

// {"code": N, "status": "NAME", "message": "..."} with N a canonical code
// other than OK and NAME its name.
void checkError(const google::protobuf::Struct& error) {
  const Member code = member(error, "code");
  require(code.isNumber, "an error has a code");
  require(code.number >= 1 && code.number <= 16 && code.number == static_cast<int>(code.number),
          "an error's code is a canonical one");
  const Member status = member(error, "status");
  require(status.isString &&
              status.text == absl::StatusCodeToString(static_cast<absl::StatusCode>(code.number)),
          "an error's status names its code");
  require(member(error, "message").isString, "an error says why");
}

void checkRpcAnswer(const Response& r) {
  if (r.status == 200 && r.contentType == "application/x-ndjson") {
    require(r.chunked, "a stream answers in chunks");
    std::string_view lines = r.body;
    require(!lines.empty() && lines.back() == '\n', "a stream ends with a whole line");
    std::string_view last;
    while (!lines.empty()) {
      const size_t e = lines.find('\n');
      last = lines.substr(0, e);
      jsonObject(last);
      lines.remove_prefix(e + 1);
    }
    const std::unique_ptr<google::protobuf::Struct> end = jsonObject(last);
    const Member status = member(*end, "status");
    require(status.isString, "a stream ends with its status");
    if (status.text != "OK") checkError(*end);
    return;
  }
  require(r.contentType == "application/json", "a JSON call is answered in JSON");
  const std::unique_ptr<google::protobuf::Struct> object = jsonObject(r.body);
  if (r.status == 200) return;
  require(r.status >= 400, "a failed call has an HTTP error status");
  checkError(*object);
}

void runOne(const uint8_t* data, size_t size) {
  Harness& h = harness();
  const int64_t inFlightBefore = h.server.inFlightCalls();
  testing::SocketPairConnection client(&h.loop, &h.server);
  fuzzing::SplitPoints split(data, size);
  net::Buffer received;
  bool http = false;
  bool first = true;
  for (std::string_view chunk = split.next(); !chunk.empty(); chunk = split.next()) {
    // The server sniffs the first bytes it reads, which are this chunk's.
    if (first) http = RpcHttpGateway::looksLikeHttp(chunk.substr(0, 8));
    first = false;
    if (!client.send(chunk)) break;  // the server closed: the rest is unheard
    client.turn();
    client.receive(&received);
  }
  // Answers that waited for a turn's end let the next pipelined request in;
  // a turn with nothing new means the server is done.
  for (size_t quiet = 0, turns = 0; quiet < 2 && turns < 4096; ++turns) {
    const size_t before = received.readableBytes();
    client.turn();
    client.receive(&received);
    quiet = received.readableBytes() == before ? quiet + 1 : 0;
  }

  if (!http) {
    // MRPC (or garbage), RpcServer_fuzzer's ground; here it only must not crash.
    require(client.hangUp(8), "the connection is torn down within a few turns");
    return;
  }
  const Requests requests = readRequests(split.stream());
  std::string_view in = received.view();
  for (const Asked& asked : requests.asked) {
    Response r;
    do {
      r = Response();
      require(takeResponse(&in, asked.method == "HEAD", &r), "every request is answered");
    } while (r.status < 200);
    if (asked.rpc) checkRpcAnswer(r);
  }
  if (requests.parseError && (requests.asked.empty() || !requests.asked.back().closes)) {
    Response r;
    require(takeResponse(&in, false, &r), "a request that does not parse is answered");
    require(r.status == requests.errorStatus, "with the status the parser chose");
  }
  if (!in.empty() && !requests.parseError) {
    // A request still waiting for its body may have been told to send it.
    Response r;
    require(takeResponse(&in, false, &r) && r.status == 100,
            "only a 100 Continue goes ahead of a request's answer");
  }
  require(in.empty(), "nothing is sent that was not asked for");
  require(client.hangUp(8), "the connection is torn down within a few turns of the client leaving");
  require(h.server.inFlightCalls() == inFlightBefore, "no call outlives its connection");
}

}  // namespace
}  // namespace muduo::rpc

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Every rejected request and refused socket option is logged; a fuzzer
  // makes millions.
  muduo::fuzzing::discardLogs();
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  muduo::rpc::harness();  // built outside the budget, once
  muduo::fuzzing::AllocationBudget budget;
  muduo::rpc::runOne(data, size);
  // The JSON converter and descriptor lookups allocate generously per call.
  budget.check(size, 4096, 1024 * 1024);
  return 0;
}
