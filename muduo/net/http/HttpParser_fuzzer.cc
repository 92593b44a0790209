// Fuzzes HttpParser with a byte stream cut at points the input chooses.
//
// Beyond "no crash", it checks:
//  - the parser never reads past what it was given: under ASan, the Buffer's
//    writable area is poisoned while the parser runs;
//  - the split does not matter: the stream parsed in chunks yields the same
//    requests and the same error as the stream parsed whole;
//  - each byte is scanned once (bytesScanned() never exceeds the stream);
//  - every request it accepts obeys the RFC 9112 rules the parser claims
//    (token method and header names, no CTL or space in the target, no
//    CR/LF/NUL in values, Host on HTTP/1.1, one framing, a body that matches
//    its Content-Length and fits the limit);
//  - heap use stays within a fixed multiple of the input's size.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "muduo/net/Buffer.h"
#include "muduo/net/http/HttpParser.h"
#include "tools/fuzzing/AllocationBudget.h"
#include "tools/fuzzing/PoisonTail.h"
#include "tools/fuzzing/SplitPoints.h"

namespace muduo::net {
namespace {

// Small limits, so inputs a fuzzer can build reach every limit.
HttpParser::Limits fuzzLimits() {
  HttpParser::Limits limits;
  limits.maxRequestLine = 200;
  limits.maxHeaderBytes = 1000;
  limits.maxBodyBytes = 2000;
  return limits;
}

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "HttpParser_fuzzer: property violated: %s\n", what);
    std::abort();
  }
}

struct Outcome {
  std::vector<HttpRequest> requests;
  int errorStatus = 0;  // 0: no error
};

bool isTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!isTchar(c)) return false;
  }
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

// RFC 9112 (and the parts of RFC 9110 it leans on), checked independently of
// the parser's own code.
void checkAccepted(const HttpRequest& req, const HttpParser::Limits& limits) {
  require(isToken(req.method()), "method is a token (RFC 9112 3.1)");
  require(!req.target().empty(), "target is not empty (RFC 9112 3.2)");
  for (char c : req.target()) {
    auto u = static_cast<unsigned char>(c);
    require(u > 0x20 && u != 0x7f, "target has no space or CTL (RFC 9112 3.2)");
  }
  const bool http11 = req.version() == HttpRequest::Version::kHttp11;
  size_t hosts = 0, lengths = 0, encodings = 0;
  std::string_view length;
  for (const auto& [name, value] : req.headers()) {
    require(isToken(name), "field name is a token (RFC 9112 5)");
    for (char c : value) {
      require(c != '\r' && c != '\n' && c != '\0',
              "field value has no CR, LF or NUL (RFC 9110 5.5)");
    }
    require(value.empty() || (value.front() != ' ' && value.front() != '\t' &&
                              value.back() != ' ' && value.back() != '\t'),
            "field value is trimmed of OWS (RFC 9112 5.1)");
    if (iequals(name, "Host")) ++hosts;
    if (iequals(name, "Transfer-Encoding")) ++encodings;
    if (iequals(name, "Content-Length")) {
      require(!value.empty() && value.size() <= 19 &&
                  value.find_first_not_of("0123456789") == std::string_view::npos,
              "Content-Length is 1*DIGIT (RFC 9110 8.6)");
      require(lengths == 0 || std::stoull(std::string(value)) == std::stoull(std::string(length)),
              "repeated Content-Length values agree (RFC 9112 6.3)");
      ++lengths;
      length = value;
    }
  }
  require(!http11 || hosts > 0, "an HTTP/1.1 request has Host (RFC 9112 3.2)");
  require(encodings == 0 || lengths == 0,
          "not both Transfer-Encoding and Content-Length (RFC 9112 6.3)");
  if (lengths > 0) {
    require(req.body().size() == std::stoull(std::string(length)),
            "the body is exactly Content-Length bytes (RFC 9112 6.2)");
  }
  if (encodings == 0 && lengths == 0) {
    require(req.body().empty(), "a request without framing has no body (RFC 9112 6.3)");
  }
  require(req.body().size() <= limits.maxBodyBytes, "the body fits maxBodyBytes");
}

// Parses the chunks `next` yields with one parser, as HttpConnectionHandler
// does: parse until kNeedMore, reset after each request.
template <typename NextChunk>
Outcome run(NextChunk next, size_t streamSize) {
  const HttpParser::Limits limits = fuzzLimits();
  HttpParser parser(limits);
  Buffer buf;
  Outcome out;
  for (std::string_view chunk = next(); !chunk.empty(); chunk = next()) {
    buf.append(chunk);
    for (;;) {
      HttpParser::Result result;
      {
        fuzzing::PoisonTail poison(&buf);
        result = parser.parse(&buf);
      }
      if (result == HttpParser::Result::kComplete) {
        checkAccepted(parser.request(), limits);
        out.requests.push_back(parser.request());
        parser.reset();
        continue;
      }
      if (result == HttpParser::Result::kError) {
        const int status = parser.errorStatus();
        require(status == 400 || status == 413 || status == 414 || status == 431 || status == 501,
                "errorStatus() is one of the documented codes");
        out.errorStatus = status;
        require(parser.bytesScanned() <= streamSize, "each byte is scanned once");
        return out;
      }
      break;
    }
  }
  require(parser.bytesScanned() <= streamSize, "each byte is scanned once");
  return out;
}

bool sameRequest(const HttpRequest& a, const HttpRequest& b) {
  return a.method() == b.method() && a.target() == b.target() && a.version() == b.version() &&
         a.headers() == b.headers() && a.body() == b.body();
}

}  // namespace
}  // namespace muduo::net

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using muduo::net::Outcome;
  using muduo::net::require;
  muduo::fuzzing::AllocationBudget budget;
  muduo::fuzzing::SplitPoints split(data, size);
  const std::string_view stream = split.stream();
  const Outcome pieces = muduo::net::run([&split] { return split.next(); }, stream.size());
  budget.check(size, 64, 64 * 1024);

  bool given = false;
  const Outcome whole = muduo::net::run(
      [&] {
        if (given) return std::string_view();
        given = true;
        return stream;
      },
      stream.size());
  require(pieces.errorStatus == whole.errorStatus, "the split does not change the error");
  require(pieces.requests.size() == whole.requests.size(),
          "the split does not change the requests");
  for (size_t i = 0; i < whole.requests.size(); ++i) {
    require(muduo::net::sameRequest(pieces.requests[i], whole.requests[i]),
            "the split does not change a request");
  }
  return 0;
}
