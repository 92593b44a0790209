#include "muduo/net/http/HttpParser.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/net/Buffer.h"

namespace muduo::net {
namespace {

struct Outcome {
  std::vector<HttpRequest> requests;
  HttpParser::Result last = HttpParser::Result::kNeedMore;
  int errorStatus = 0;
};

// Feeds `input` in pieces of `step` bytes (0: all at once), collecting every
// complete request, until the input is used up or the parser fails.
Outcome feed(std::string_view input, size_t step = 0, HttpParser::Limits limits = {}) {
  HttpParser parser(limits);
  Buffer buf;
  Outcome out;
  if (step == 0) step = input.size();
  for (size_t pos = 0; pos < input.size(); pos += step) {
    buf.append(input.substr(pos, step));
    for (;;) {
      out.last = parser.parse(&buf);
      if (out.last == HttpParser::Result::kComplete) {
        out.requests.push_back(parser.request());
        parser.reset();
        continue;
      }
      if (out.last == HttpParser::Result::kError) {
        out.errorStatus = parser.errorStatus();
        return out;
      }
      break;
    }
  }
  return out;
}

constexpr std::string_view kGet =
    "GET /index.html?x=1&y=2 HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "User-Agent: test\r\n"
    "Accept: */*\r\n"
    "\r\n";

TEST(HttpParser, ParsesASimpleGet) {
  const Outcome out = feed(kGet);
  ASSERT_EQ(out.requests.size(), 1u);
  const HttpRequest& req = out.requests[0];
  EXPECT_EQ(req.method(), "GET");
  EXPECT_EQ(req.target(), "/index.html?x=1&y=2");
  EXPECT_EQ(req.path(), "/index.html");
  EXPECT_EQ(req.query(), "x=1&y=2");
  EXPECT_EQ(req.version(), HttpRequest::Version::kHttp11);
  EXPECT_EQ(req.header("host"), "example.com");
  EXPECT_EQ(req.header("USER-AGENT"), "test");
  EXPECT_EQ(req.headers().size(), 3u);
  EXPECT_TRUE(req.body().empty());
  EXPECT_TRUE(req.keepAlive());
}

TEST(HttpParser, GivesTheSameResultFedOneByteAtATime) {
  const std::string post =
      "POST /submit HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world";
  const std::string chunked =
      "PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n";
  const std::string all = std::string(kGet) + post + chunked;
  for (size_t step : {size_t{1}, size_t{2}, size_t{7}, size_t{0}}) {
    const Outcome out = feed(all, step);
    ASSERT_EQ(out.requests.size(), 3u) << "step " << step;
    EXPECT_EQ(out.requests[0].target(), "/index.html?x=1&y=2");
    EXPECT_EQ(out.requests[1].method(), "POST");
    EXPECT_EQ(out.requests[1].body(), "hello world");
    EXPECT_EQ(out.requests[2].method(), "PUT");
    EXPECT_EQ(out.requests[2].body(), "hello world");
    EXPECT_EQ(out.last, HttpParser::Result::kNeedMore);
  }
}

TEST(HttpParser, ParsesManyPipelinedRequestsFromOneBuffer) {
  std::string all;
  for (int i = 0; i < 1000; ++i) {
    all += "GET /r" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
  }
  const Outcome out = feed(all);
  ASSERT_EQ(out.requests.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(out.requests[i].target(), "/r" + std::to_string(i));
}

TEST(HttpParser, LeavesTheNextRequestInTheBuffer) {
  HttpParser parser;
  Buffer buf;
  buf.append(std::string(kGet) + "GET /second HT");
  ASSERT_EQ(parser.parse(&buf), HttpParser::Result::kComplete);
  EXPECT_EQ(buf.view(), "GET /second HT");
  parser.reset();
  EXPECT_EQ(parser.parse(&buf), HttpParser::Result::kNeedMore);
  EXPECT_TRUE(parser.midRequest() || buf.readableBytes() > 0);
}

TEST(HttpParser, PassesUnknownMethodsThrough) {
  const Outcome out =
      feed("PROPFIND /x HTTP/1.1\r\nHost: h\r\n\r\nDELETE /y HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(out.requests.size(), 2u);
  EXPECT_EQ(out.requests[0].method(), "PROPFIND");
  EXPECT_EQ(out.requests[1].method(), "DELETE");
}

TEST(HttpParser, AppliesKeepAliveRulesOfEachVersion) {
  auto keep = [](std::string_view req) {
    const Outcome out = feed(req);
    EXPECT_EQ(out.requests.size(), 1u) << req;
    return !out.requests.empty() && out.requests[0].keepAlive();
  };
  EXPECT_TRUE(keep("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, Close\r\n\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(keep("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
  EXPECT_TRUE(keep("GET / HTTP/1.2\r\nHost: h\r\n\r\n"));
}

TEST(HttpParser, IgnoresEmptyLinesBeforeARequest) {
  const Outcome out = feed("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(out.requests.size(), 1u);
}

TEST(HttpParser, Answers414ToATooLongRequestLine) {
  HttpParser::Limits limits;
  limits.maxRequestLine = 100;
  const std::string longTarget = "GET /" + std::string(200, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n";
  EXPECT_EQ(feed(longTarget, 0, limits).errorStatus, 414);
  // Without the CRLF yet: rejected as soon as the limit is passed.
  EXPECT_EQ(feed("GET /" + std::string(200, 'a'), 1, limits).errorStatus, 414);
  const std::string fits = "GET /" + std::string(80, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n";
  EXPECT_EQ(feed(fits, 0, limits).requests.size(), 1u);
}

// Found by HttpParser_fuzzer: a request line of exactly the maximum was
// refused when its CR arrived before its LF.
TEST(HttpParser, ARequestLineOfExactlyTheMaximumIsAcceptedWhenItsLfArrivesAfterItsCr) {
  HttpParser::Limits limits;
  limits.maxRequestLine = 100;
  const std::string line = "GET /" + std::string(100 - 14, 'a') + " HTTP/1.1";
  ASSERT_EQ(line.size(), 100u);
  const std::string req = line + "\r\nHost: h\r\n\r\n";
  EXPECT_EQ(feed(req, 0, limits).requests.size(), 1u);
  EXPECT_EQ(feed(req, 101, limits).requests.size(), 1u);
  EXPECT_EQ(feed(req, 1, limits).requests.size(), 1u);
}

TEST(HttpParser, Answers431ToTooLargeHeaders) {
  HttpParser::Limits limits;
  limits.maxHeaderBytes = 1000;
  std::string req = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 50; ++i) req += "X-Header-" + std::to_string(i) + ": value\r\n";
  req += "\r\n";
  EXPECT_EQ(feed(req, 0, limits).errorStatus, 431);
  EXPECT_EQ(feed(req, 3, limits).errorStatus, 431);
  // One endless header line without CRLF.
  EXPECT_EQ(feed("GET / HTTP/1.1\r\nX: " + std::string(2000, 'v'), 0, limits).errorStatus, 431);
}

TEST(HttpParser, Answers413ToATooLargeBody) {
  HttpParser::Limits limits;
  limits.maxBodyBytes = 100;
  EXPECT_EQ(
      feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", 0, limits).errorStatus,
      413);
  const Outcome ok =
      feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'b'), 0,
           limits);
  ASSERT_EQ(ok.requests.size(), 1u);
  EXPECT_EQ(ok.requests[0].body().size(), 100u);
  // Chunked: the sum of the chunks counts.
  std::string chunked = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  chunked +=
      "40\r\n" + std::string(64, 'c') + "\r\n40\r\n" + std::string(64, 'c') + "\r\n0\r\n\r\n";
  EXPECT_EQ(feed(chunked, 0, limits).errorStatus, 413);
  EXPECT_EQ(feed("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "ffffffffffffffffffffff\r\n",
                 0, limits)
                .errorStatus,
            413);
}

TEST(HttpParser, Answers400ToMalformedRequests) {
  const char* bad[] = {
      "GET\r\n\r\n",
      "GET /\r\n\r\n",
      "GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n",
      "G(T / HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET  HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET / HTTX/1.1\r\nHost: h\r\n\r\n",
      "GET / HTTP/1.x\r\nHost: h\r\n\r\n",
      "GET / HTTP/1.1\r\n\r\n",  // no Host
      "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nBad Name: v\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY",
  };
  for (const char* req : bad) {
    EXPECT_EQ(feed(req).errorStatus, 400) << req;
    EXPECT_EQ(feed(req, 1).errorStatus, 400) << req;
  }
}

// The framing fields are gathered in one pass over the headers; which
// error a request with several faults gets must not depend on their order.
TEST(HttpParser, ChecksTheFramingHeadersInAFixedOrderWhereverTheyStand) {
  const auto reason = [](std::string_view request) {
    HttpParser parser;
    Buffer buf;
    buf.append(request);
    EXPECT_EQ(parser.parse(&buf), HttpParser::Result::kError) << request;
    return std::string(parser.errorReason());
  };
  EXPECT_EQ(reason("POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n"),
            "HTTP/1.1 request without Host");
  EXPECT_EQ(reason("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\nhost: h\r\n\r\n"),
            "conflicting Content-Length");
  EXPECT_EQ(reason("POST / HTTP/1.1\r\nContent-Length: x\r\nContent-Length: 1\r\nHOST: h\r\n\r\n"),
            "bad Content-Length");
  EXPECT_EQ(reason("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nHost: h\r\n"
                   "Content-Length: x\r\n\r\n"),
            "bad Content-Length");
  EXPECT_EQ(reason("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nHost: h\r\n"
                   "transfer-encoding: chunked\r\n\r\n"),
            "more than one Transfer-Encoding");
  EXPECT_EQ(reason("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nHost: h\r\n"
                   "Content-Length: 1\r\n\r\n"),
            "both Transfer-Encoding and Content-Length");
  // An HTTP/1.0 request needs no Host; Expect means nothing to it.
  HttpParser parser;
  Buffer buf;
  buf.append("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(parser.parse(&buf), HttpParser::Result::kNeedMore);
  EXPECT_FALSE(parser.takeContinueRequest());
  HttpParser http11;
  Buffer buf11;
  buf11.append("POST / HTTP/1.1\r\nexpect: 100-Continue\r\nHost: h\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(http11.parse(&buf11), HttpParser::Result::kNeedMore);
  EXPECT_TRUE(http11.takeContinueRequest());
}

TEST(HttpParser, Answers501ToWhatItDoesNotImplement) {
  EXPECT_EQ(feed("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").errorStatus, 501);
  EXPECT_EQ(feed("GET / HTTP/3.0\r\nHost: h\r\n\r\n").errorStatus, 501);
  EXPECT_EQ(feed("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n").errorStatus, 501);
  EXPECT_EQ(
      feed("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").errorStatus,
      501);
}

TEST(HttpParser, AsksFor100ContinueOnceUntilTheBodyArrives) {
  HttpParser parser;
  Buffer buf;
  buf.append("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  ASSERT_EQ(parser.parse(&buf), HttpParser::Result::kNeedMore);
  EXPECT_TRUE(parser.takeContinueRequest());
  EXPECT_FALSE(parser.takeContinueRequest());
  buf.append("abc");
  ASSERT_EQ(parser.parse(&buf), HttpParser::Result::kComplete);
  EXPECT_EQ(parser.request().body(), "abc");
}

TEST(HttpParser, AcceptsBareLfLineEndingsAsRfc9112Allows) {
  const std::string lf =
      "GET /lf HTTP/1.1\nHost: h\nX-A: 1\n\n"
      "POST /c HTTP/1.1\r\nHost: h\nTransfer-Encoding: chunked\r\n\n3\nabc\n0\n\n"
      "\nGET /after HTTP/1.0\n\n";
  for (size_t step : {size_t{1}, size_t{3}, size_t{0}}) {
    const Outcome out = feed(lf, step);
    ASSERT_EQ(out.requests.size(), 3u) << "step " << step;
    EXPECT_EQ(out.requests[0].target(), "/lf");
    EXPECT_EQ(out.requests[0].header("X-A"), "1");
    EXPECT_EQ(out.requests[1].body(), "abc");
    EXPECT_EQ(out.requests[2].target(), "/after");
    EXPECT_EQ(out.last, HttpParser::Result::kNeedMore);
  }
  // A CR that does not end a line is still refused.
  EXPECT_EQ(feed("GET / HTTP/1.1\r\r\nHost: h\n\n").errorStatus, 400);
  EXPECT_EQ(feed("GET / HTTP/1.1\nHost: h\rX: y\n\n").errorStatus, 400);
}

TEST(HttpParser, LooksAtEachByteOnceWhenAHeaderArrivesOneByteAtATime) {
  // 64 KiB of header, one byte per parse(): rescanning the buffered header
  // on every call would look at about 2e9 bytes.
  std::string request = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: ";
  request.append(60 * 1024, 'v');
  request += "\r\n\r\n";
  HttpParser::Limits limits;
  limits.maxHeaderBytes = 64 * 1024;
  HttpParser parser(limits);
  Buffer buf;
  size_t completed = 0;
  for (size_t i = 0; i < request.size(); ++i) {
    buf.append(std::string_view(request).substr(i, 1));
    const uint64_t before = parser.bytesScanned();
    const HttpParser::Result result = parser.parse(&buf);
    ASSERT_NE(result, HttpParser::Result::kError) << i;
    // Only the byte just appended is new.
    ASSERT_LE(parser.bytesScanned() - before, 1u) << i;
    if (result == HttpParser::Result::kComplete) ++completed;
  }
  EXPECT_EQ(completed, 1u);
  EXPECT_EQ(parser.request().header("X-Big").size(), 60u * 1024);
  EXPECT_LE(parser.bytesScanned(), request.size());
}

}  // namespace
}  // namespace muduo::net
