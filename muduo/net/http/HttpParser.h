// HttpParser: an incremental HTTP/1.x request parser, a state machine over
// request line, headers and body (Content-Length or chunked), fed from a
// connection's input Buffer as bytes arrive.
//
// parse() consumes what it can and returns kComplete once a whole request is
// in request(); call reset() before parsing the next (pipelined) one. A line
// stays in the Buffer until its end arrives, so bytes may come one at a
// time; the parser remembers how far it has looked, so each byte is scanned
// once however it is split (a header sent byte by byte costs linear work,
// not quadratic). Between calls the caller may only append to the Buffer.
// Lines end in CRLF or, as RFC 9112 2.2 allows, a bare LF. On kError, errorStatus() is the status
// to answer with (400, 413, 414, 431, 501); the framing is lost, so the caller must close the
// connection.
//
// A value, owned by one connection and used in its loop thread only.
#ifndef MUDUO_NET_HTTP_HTTPPARSER_H_
#define MUDUO_NET_HTTP_HTTPPARSER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "muduo/base/Timestamp.h"
#include "muduo/net/http/HttpRequest.h"

namespace muduo::net {

class Buffer;

class HttpParser {
 public:
  struct Limits {
    size_t maxRequestLine = 8 * 1024;   // beyond: 414
    size_t maxHeaderBytes = 64 * 1024;  // all header lines together; beyond: 431
    size_t maxBodyBytes = 1024 * 1024;  // beyond: 413
  };
  enum class Result { kNeedMore, kComplete, kError };

  HttpParser() = default;
  explicit HttpParser(const Limits& limits) : limits_(limits) {}

  // Consumes bytes of `buf`. Returns kComplete with one request (the rest of
  // `buf` untouched), kNeedMore when `buf` is used up, or kError.
  [[nodiscard]] Result parse(Buffer* buf, Timestamp receiveTime = Timestamp());

  [[nodiscard]] const HttpRequest& request() const { return request_; }
  [[nodiscard]] HttpRequest* mutableRequest() { return &request_; }
  // The status code to answer with after kError.
  [[nodiscard]] int errorStatus() const { return errorStatus_; }
  // Why the request was rejected, for the log.
  [[nodiscard]] std::string_view errorReason() const { return errorReason_; }
  // Whether some bytes of a request have been consumed but it is not complete.
  [[nodiscard]] bool midRequest() const { return state_ != State::kRequestLine; }
  // Bytes examined while looking for line ends, since construction. Each
  // byte is looked at once; tests hold the parser to that.
  [[nodiscard]] uint64_t bytesScanned() const { return bytesScanned_; }

  // True once per request that sent "Expect: 100-continue" and whose body
  // has not arrived yet: the caller should answer "100 Continue" now.
  [[nodiscard]] bool takeContinueRequest();

  // Ready for the next request; keeps buffer capacity.
  void reset();

 private:
  enum class State {
    kRequestLine,
    kHeaders,
    kBody,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailers,
    kComplete,
    kError,
  };

  Result fail(int status, const char* reason);
  // The LF that ends the line at the front of `buf`, or nullptr; resumes
  // where the previous call stopped.
  const char* findLineEnd(const Buffer& buf);
  // The line before `lf`, without its LF and the CR before it, if any.
  static std::string_view lineBefore(const Buffer& buf, const char* lf);
  bool reject(int status, const char* reason);  // fail(), then false
  // Each returns false on error (state_ is then kError).
  bool parseRequestLine(std::string_view line);
  bool parseHeaderLine(std::string_view line);
  bool finishHeaders();

  Limits limits_;
  State state_ = State::kRequestLine;
  HttpRequest request_;
  size_t headerBytes_ = 0;
  // Bytes at the front of the Buffer already known to hold no LF.
  size_t scanned_ = 0;
  uint64_t bytesScanned_ = 0;
  size_t bodyRemaining_ = 0;  // of the Content-Length body or current chunk
  bool continuePending_ = false;
  int errorStatus_ = 0;
  const char* errorReason_ = "";
};

}  // namespace muduo::net

#endif  // MUDUO_NET_HTTP_HTTPPARSER_H_
