#include "muduo/net/http/HttpResponse.h"

#include <time.h>

#include <array>
#include <charconv>
#include <cstring>

#include "muduo/net/Buffer.h"

namespace muduo::net {

namespace {

void appendNumber(Buffer* out, uint64_t n) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof buf, n);
  out->append(buf, static_cast<size_t>(result.ptr - buf));
}

// "Date: <IMF-fixdate>\r\n", formatted once a second per thread.
std::string_view dateHeader() {
  thread_local time_t cachedSecond = 0;
  thread_local char cached[64];
  thread_local size_t cachedLen = 0;
  const time_t now = ::time(nullptr);
  if (now != cachedSecond) {
    struct tm tm;
    ::gmtime_r(&now, &tm);
    cachedLen = ::strftime(cached, sizeof cached, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
    cachedSecond = now;
  }
  return {cached, cachedLen};
}

// RFC 9110 5.6.2's tchar, as a table: addHeader() runs for every header of
// every response.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!kTokenChars[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

}  // namespace

bool HttpResponse::addHeader(std::string_view name, std::string_view value) {
  if (!isToken(name)) return false;
  // One scan for the three bytes that could split the response.
  for (char c : value) {
    if (static_cast<unsigned char>(c) <= '\r' && (c == '\r' || c == '\n' || c == '\0')) {
      return false;
    }
  }
  if (headers_.empty()) headers_.reserve(4);
  headers_.emplace_back(std::string(name), std::string(value));
  return true;
}

void HttpResponse::setFileBody(UniqueFd file, off_t offset, size_t length, FileOpener reopen) {
  setFileBody(file.valid() ? std::make_shared<const UniqueFd>(std::move(file)) : nullptr, offset,
              length, std::move(reopen));
}

void HttpResponse::setFileBody(std::shared_ptr<const UniqueFd> file, off_t offset, size_t length,
                               FileOpener reopen) {
  file_ = file != nullptr && file->valid() ? std::move(file) : nullptr;
  fileOpener_ = std::move(reopen);
  fileOffset_ = offset;
  fileLength_ = length;
}

std::string_view HttpResponse::reasonPhrase(int code) {
  switch (code) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 416:
      return "Range Not Satisfiable";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

bool HttpResponse::statusAllowsBody() const {
  return statusCode_ >= 200 && statusCode_ != 204 && statusCode_ != 304;
}

void HttpResponse::appendChunk(std::string_view data, Buffer* output) {
  static constexpr char kHex[] = "0123456789abcdef";
  char size[2 * sizeof(size_t)];
  size_t n = data.size();
  char* end = size + sizeof(size);
  char* p = end;
  do {
    *--p = kHex[n & 0xf];
    n >>= 4;
  } while (n != 0);
  output->append(std::string_view(p, static_cast<size_t>(end - p)));
  output->append("\r\n");
  output->append(data);
  output->append("\r\n");  // after the last chunk: the empty trailer section
}

void HttpResponse::appendToBuffer(Buffer* output) const {
  if (continuation_) {
    output->append(body());
    return;
  }
  output->append("HTTP/1.1 ");
  appendNumber(output, static_cast<uint64_t>(statusCode_));
  output->append(" ");
  output->append(reasonPhrase(statusCode_));
  output->append("\r\n");
  output->append(dateHeader());
  output->append("Server: muduo\r\n");
  output->append(closeConnection_ ? "Connection: close\r\n" : "Connection: keep-alive\r\n");
  for (const auto& [name, value] : headers_) {
    output->append(name);
    output->append(": ");
    output->append(value);
    output->append("\r\n");
  }
  const bool allowsBody = statusAllowsBody();
  if (allowsBody && chunked_) {
    output->append("Transfer-Encoding: chunked\r\n\r\n");
    if (!headResponse_ && !body().empty()) appendChunk(body(), output);
    return;
  }
  if (allowsBody) {
    output->append("Content-Length: ");
    appendNumber(output, hasFileBody() ? fileLength_ : body().size());
    output->append("\r\n");
  }
  output->append("\r\n");
  if (allowsBody && !headResponse_ && !hasFileBody()) output->append(body());
}

}  // namespace muduo::net
