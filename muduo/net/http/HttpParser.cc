#include "muduo/net/http/HttpParser.h"

#include <algorithm>
#include <cstring>

#include "muduo/net/Buffer.h"
#include "muduo/net/http/HttpChars.h"

namespace muduo::net {

namespace {

// A chunk-size line is a hex number and optional extensions; anything this
// long is an attack or garbage.
constexpr size_t kMaxChunkSizeLine = 1024;

using http_chars::isToken;

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parses decimal digits only (no sign, no spaces). False on anything else or
// on overflow.
bool parseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void HttpParser::reset() {
  state_ = State::kRequestLine;
  request_.clear();
  headerBytes_ = 0;
  scanned_ = 0;
  bodyRemaining_ = 0;
  continuePending_ = false;
  errorStatus_ = 0;
  errorReason_ = "";
}

bool HttpParser::takeContinueRequest() { return std::exchange(continuePending_, false); }

bool HttpParser::reject(int status, const char* reason) {
  fail(status, reason);
  return false;
}

HttpParser::Result HttpParser::fail(int status, const char* reason) {
  state_ = State::kError;
  errorStatus_ = status;
  errorReason_ = reason;
  return Result::kError;
}

const char* HttpParser::findLineEnd(const Buffer& buf) {
  const size_t readable = buf.readableBytes();
  // Only appends happen between calls; anything else starts the scan over.
  if (scanned_ > readable) scanned_ = 0;
  const char* from = buf.peek() + scanned_;
  const size_t n = readable - scanned_;
  const char* lf = static_cast<const char*>(std::memchr(from, '\n', n));
  if (lf == nullptr) {
    bytesScanned_ += n;
    scanned_ = readable;
    return nullptr;
  }
  bytesScanned_ += static_cast<size_t>(lf - from) + 1;
  // The caller consumes the line (or fails), so the next scan starts afresh.
  scanned_ = 0;
  return lf;
}

std::string_view HttpParser::lineBefore(const Buffer& buf, const char* lf) {
  std::string_view line(buf.peek(), static_cast<size_t>(lf - buf.peek()));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

HttpParser::Result HttpParser::parse(Buffer* buf, Timestamp receiveTime) {
  for (;;) {
    switch (state_) {
      case State::kRequestLine: {
        if (buf->readableBytes() == 0) return Result::kNeedMore;
        const char* lf = findLineEnd(*buf);
        if (lf == nullptr) {
          // The last byte may be the CR of a line of exactly the maximum
          // whose LF is still in flight: refuse only what cannot be one.
          if (buf->readableBytes() > limits_.maxRequestLine + 1) {
            return fail(414, "request line too long");
          }
          return Result::kNeedMore;
        }
        const std::string_view line = lineBefore(*buf, lf);
        if (line.size() > limits_.maxRequestLine) return fail(414, "request line too long");
        if (line.empty()) {
          // RFC 9112 2.2: ignore empty lines before a request line.
          buf->retrieveUntil(lf + 1);
          continue;
        }
        if (!parseRequestLine(line)) return Result::kError;
        request_.setReceiveTime(receiveTime);
        buf->retrieveUntil(lf + 1);
        state_ = State::kHeaders;
        break;
      }
      case State::kHeaders:
      case State::kTrailers: {
        if (buf->readableBytes() == 0) return Result::kNeedMore;
        const char* lf = findLineEnd(*buf);
        if (lf == nullptr) {
          if (headerBytes_ + buf->readableBytes() > limits_.maxHeaderBytes) {
            return fail(431, "headers too large");
          }
          return Result::kNeedMore;
        }
        const std::string_view line = lineBefore(*buf, lf);
        headerBytes_ += static_cast<size_t>(lf - buf->peek()) + 1;
        if (headerBytes_ > limits_.maxHeaderBytes) return fail(431, "headers too large");
        if (line.empty()) {
          buf->retrieveUntil(lf + 1);
          if (state_ == State::kTrailers) {
            state_ = State::kComplete;
            return Result::kComplete;
          }
          if (!finishHeaders()) return Result::kError;
          if (state_ == State::kComplete) return Result::kComplete;
          break;
        }
        // Trailer fields are checked for shape and dropped.
        if (state_ == State::kHeaders ? !parseHeaderLine(line)
                                      : line.find(':') == std::string_view::npos) {
          if (state_ != State::kError) return fail(400, "malformed trailer");
          return Result::kError;
        }
        buf->retrieveUntil(lf + 1);
        break;
      }
      case State::kBody:
      case State::kChunkData: {
        const size_t n = std::min(buf->readableBytes(), bodyRemaining_);
        request_.mutableBody()->append(buf->peek(), n);
        buf->retrieve(n);
        bodyRemaining_ -= n;
        if (bodyRemaining_ > 0) return Result::kNeedMore;
        continuePending_ = false;
        if (state_ == State::kBody) {
          state_ = State::kComplete;
          return Result::kComplete;
        }
        state_ = State::kChunkDataEnd;
        break;
      }
      case State::kChunkDataEnd: {
        // CRLF, or a bare LF as for every other line.
        if (buf->readableBytes() == 0) return Result::kNeedMore;
        if (buf->peek()[0] == '\n') {
          buf->retrieve(1);
          state_ = State::kChunkSize;
          break;
        }
        if (buf->readableBytes() < 2) return Result::kNeedMore;
        if (buf->peek()[0] != '\r' || buf->peek()[1] != '\n') {
          return fail(400, "chunk data not followed by CRLF");
        }
        buf->retrieve(2);
        state_ = State::kChunkSize;
        break;
      }
      case State::kChunkSize: {
        if (buf->readableBytes() == 0) return Result::kNeedMore;
        const char* lf = findLineEnd(*buf);
        if (lf == nullptr) {
          // As for the request line, leave room for a CR whose LF is coming.
          if (buf->readableBytes() > kMaxChunkSizeLine + 1)
            return fail(400, "chunk size line too long");
          return Result::kNeedMore;
        }
        std::string_view line = lineBefore(*buf, lf);
        if (line.size() > kMaxChunkSizeLine) return fail(400, "chunk size line too long");
        line = trim(line.substr(0, line.find(';')));
        if (line.empty()) return fail(400, "empty chunk size");
        uint64_t size = 0;
        for (char c : line) {
          const int v = hexValue(c);
          if (v < 0) return fail(400, "bad chunk size");
          if (size > (limits_.maxBodyBytes >> 4) + 1) return fail(413, "chunked body too large");
          size = size * 16 + static_cast<uint64_t>(v);
        }
        if (size > limits_.maxBodyBytes - request_.body().size()) {
          return fail(413, "chunked body too large");
        }
        buf->retrieveUntil(lf + 1);
        if (size == 0) {
          continuePending_ = false;
          state_ = State::kTrailers;
        } else {
          bodyRemaining_ = static_cast<size_t>(size);
          state_ = State::kChunkData;
        }
        break;
      }
      case State::kComplete:
        return Result::kComplete;
      case State::kError:
        return Result::kError;
    }
  }
}

bool HttpParser::parseRequestLine(std::string_view line) {
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return reject(400, "malformed request line");
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return reject(400, "malformed request line");
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!isToken(method)) return reject(400, "bad method");
  if (target.empty()) return reject(400, "empty target");
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return reject(400, "bad character in target");
    }
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return reject(400, "bad HTTP version");
  }
  if (version[5] != '1') return reject(501, "unsupported HTTP major version");
  request_.setMethod(method);
  request_.setTarget(target);
  // HTTP/1.2 and later minors are answered as 1.1 (RFC 9110 6.2).
  request_.setVersion(version[7] == '0' ? HttpRequest::Version::kHttp10
                                        : HttpRequest::Version::kHttp11);
  return true;
}

bool HttpParser::parseHeaderLine(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t') {
    return reject(400, "obsolete header line folding");
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return reject(400, "header without colon");
  const std::string_view name = line.substr(0, colon);
  if (!isToken(name)) return reject(400, "bad header name");
  const std::string_view value = trim(line.substr(colon + 1));
  for (char c : value) {
    if (c == '\0' || c == '\n' || c == '\r') return reject(400, "bad character in header");
  }
  request_.addHeader(name, value);
  return true;
}

bool HttpParser::finishHeaders() {
  const bool http11 = request_.version() == HttpRequest::Version::kHttp11;
  // One pass over the headers for every field the framing depends on (each
  // name is compared only when its length matches); the checks then run in
  // the order that decides which error a bad request gets.
  bool hasHost = false;
  bool hasExpect = false;
  bool hasLength = false;
  uint64_t length = 0;
  const char* lengthError = nullptr;
  size_t numEncodings = 0;
  std::string_view encoding;
  for (const auto& [name, value] : request_.headers()) {
    if (equalsIgnoreCase(name, "Host")) {
      hasHost = true;
    } else if (equalsIgnoreCase(name, "Expect")) {
      hasExpect = true;
    } else if (equalsIgnoreCase(name, "Content-Length")) {
      if (lengthError != nullptr) continue;
      uint64_t v = 0;
      if (!parseDecimal(value, &v)) {
        lengthError = "bad Content-Length";
      } else if (hasLength && v != length) {
        lengthError = "conflicting Content-Length";
      }
      hasLength = true;
      length = v;
    } else if (equalsIgnoreCase(name, "Transfer-Encoding")) {
      if (numEncodings++ == 0) encoding = value;
    }
  }
  if (http11 && !hasHost) return reject(400, "HTTP/1.1 request without Host");
  if (lengthError != nullptr) return reject(400, lengthError);
  const bool expectsContinue =
      http11 && hasExpect && request_.headerHasToken("Expect", "100-continue");
  if (numEncodings > 0) {
    if (numEncodings > 1) return reject(501, "more than one Transfer-Encoding");
    if (hasLength) return reject(400, "both Transfer-Encoding and Content-Length");
    if (!equalsIgnoreCase(encoding, "chunked")) {
      return reject(501, "unsupported Transfer-Encoding");
    }
    continuePending_ = expectsContinue;
    state_ = State::kChunkSize;
    return true;
  }
  if (length > limits_.maxBodyBytes) return reject(413, "body too large");
  if (length == 0) {
    state_ = State::kComplete;
    return true;
  }
  continuePending_ = expectsContinue;
  bodyRemaining_ = static_cast<size_t>(length);
  state_ = State::kBody;
  return true;
}

}  // namespace muduo::net
