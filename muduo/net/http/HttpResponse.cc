#include "muduo/net/http/HttpResponse.h"

#include <time.h>

#include <array>
#include <cassert>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "muduo/net/Buffer.h"
#include "muduo/net/http/HttpChars.h"

namespace muduo::net {

namespace {

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

bool isSplitter(char c) { return c == '\r' || c == '\n' || c == '\0'; }

}  // namespace

bool HttpResponse::addHeader(std::string_view name, std::string_view value) {
  if (!http_chars::isToken(name)) return false;
  // One scan for the three bytes that could split the response (CR, LF,
  // NUL), eight bytes at a time: a word with no byte below 14 holds none of
  // them, and only a word that has one (a tab, say) is looked at bytewise.
  size_t i = 0;
  for (; i + 8 <= value.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, value.data() + i, 8);
    constexpr uint64_t kOnes = 0x0101010101010101;
    constexpr uint64_t kHighs = 0x8080808080808080;
    if (((word - 14 * kOnes) & ~word & kHighs) == 0) continue;
    for (size_t j = i; j < i + 8; ++j) {
      if (isSplitter(value[j])) return false;
    }
  }
  for (; i < value.size(); ++i) {
    if (isSplitter(value[i])) return false;
  }
  dropWholeResponseFile();
  const size_t lineSize = name.size() + 2 + value.size() + 2;
  if (!spilled_ && inlineHeaderSize_ + lineSize > inlineHeaders_.size()) {
    spilledHeaders_.reserve(2 * (inlineHeaderSize_ + lineSize));
    spilledHeaders_.assign(inlineHeaders_.data(), inlineHeaderSize_);
    spilled_ = true;
  }
  if (spilled_) {
    spilledHeaders_.append(name).append(": ").append(value).append("\r\n");
    return true;
  }
  // Per response, usually: plain copies into the inline storage, no
  // allocation.
  char* p = inlineHeaders_.data() + inlineHeaderSize_;
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = ':';
  *p++ = ' ';
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  p += value.size();
  *p++ = '\r';
  *p++ = '\n';
  inlineHeaderSize_ += lineSize;
  return true;
}

void HttpResponse::setFileBody(UniqueFd file, off_t offset, size_t length, FileOpener reopen) {
  setFileBody(file.valid() ? std::make_shared<const UniqueFd>(std::move(file)) : nullptr, offset,
              length, std::move(reopen));
}

void HttpResponse::setFileBody(std::shared_ptr<const UniqueFd> file, off_t offset, size_t length,
                               FileOpener reopen) {
  dropWholeResponseFile();
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
  const bool allowsBody = statusAllowsBody();
  const bool lengthHeader = allowsBody && !chunked_;
  const bool inlineBody = allowsBody && !chunked_ && !headResponse_ && !hasFileBody();
  char status[24];
  const char* statusEnd = std::to_chars(status, status + sizeof status, statusCode_).ptr;
  char length[24];
  const char* lengthEnd =
      std::to_chars(length, length + sizeof length, hasFileBody() ? fileLength_ : body().size())
          .ptr;
  const std::string_view date = dateHeader();
  const std::string_view reason = reasonPhrase(statusCode_);
  const std::string_view connection =
      closeConnection_ ? "Connection: close\r\n" : "Connection: keep-alive\r\n";
  constexpr std::string_view kServer = "Server: muduo\r\n";
  constexpr std::string_view kLength = "Content-Length: ";
  constexpr std::string_view kChunked = "Transfer-Encoding: chunked\r\n";
  // Sized first and written in place: one ensureWritableBytes() for the
  // whole head (and a small body), not one per piece.
  size_t total = 9 + static_cast<size_t>(statusEnd - status) + 1 + reason.size() + 2 + date.size() +
                 kServer.size() + connection.size() + 2;
  const std::string_view headerLines = this->headerLines();
  total += headerLines.size();
  if (lengthHeader) total += kLength.size() + static_cast<size_t>(lengthEnd - length) + 2;
  if (allowsBody && chunked_) total += kChunked.size();
  if (inlineBody) total += body().size();
  output->ensureWritableBytes(total);
  char* const start = output->beginWrite();
  char* p = start;
  const auto put = [&p](std::string_view piece) {
    if (piece.empty()) return;
    std::memcpy(p, piece.data(), piece.size());
    p += piece.size();
  };
  put("HTTP/1.1 ");
  put(std::string_view(status, static_cast<size_t>(statusEnd - status)));
  put(" ");
  put(reason);
  put("\r\n");
  put(date);
  put(kServer);
  put(connection);
  put(headerLines);
  if (lengthHeader) {
    put(kLength);
    put(std::string_view(length, static_cast<size_t>(lengthEnd - length)));
    put("\r\n");
  }
  if (allowsBody && chunked_) put(kChunked);
  put("\r\n");
  if (inlineBody) put(body());
  assert(static_cast<size_t>(p - start) == total);
  output->hasWritten(static_cast<size_t>(p - start));
  if (allowsBody && chunked_ && !headResponse_ && !body().empty()) appendChunk(body(), output);
}

}  // namespace muduo::net
