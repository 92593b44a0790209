// HttpResponse: the status, headers and body of one HTTP/1.x response, and
// its serialization into a Buffer.
//
// The body is either bytes (setBody) or a range of an open file
// (setFileBody), which HttpConnectionHandler sends with sendfile(2) after the
// header. Content-Length, Date, Server and Connection are written by
// appendToBuffer(); do not add them yourself. Header fields that would break
// the framing (CR, LF or NUL in a value, a name that is not a token) are
// refused, so a value taken from a request cannot split the response.
//
// A move-only value (it may own a file descriptor), used by one thread at a
// time: the handler fills it in the connection's loop thread.
#ifndef MUDUO_NET_HTTP_HTTPRESPONSE_H_
#define MUDUO_NET_HTTP_HTTPRESPONSE_H_

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "muduo/base/UniqueFd.h"

namespace muduo::net {

class Buffer;

class HttpResponse {
 public:
  // Opens the file body again, later, when a queued response's turn comes;
  // an invalid result means the same bytes can no longer be sent.
  // TcpConnection::FileOpener, named here so that a message needs no socket.
  using FileOpener = absl::AnyInvocable<UniqueFd()>;

  explicit HttpResponse(bool closeConnection = false) : closeConnection_(closeConnection) {}
  ~HttpResponse() = default;
  HttpResponse(HttpResponse&& other) noexcept = default;
  HttpResponse& operator=(HttpResponse&& other) noexcept = default;
  HttpResponse(const HttpResponse&) = delete;
  HttpResponse& operator=(const HttpResponse&) = delete;

  // 200 unless set. The reason phrase follows from the code.
  void setStatusCode(int code) {
    if (code != statusCode_) dropWholeResponseFile();
    statusCode_ = code;
  }
  [[nodiscard]] int statusCode() const { return statusCode_; }
  [[nodiscard]] static std::string_view reasonPhrase(int code);

  // Whether the connection closes after this response. The server sets it
  // from the request's keep-alive rules; a handler may set it too.
  void setCloseConnection(bool on) {
    if (on != closeConnection_) dropWholeResponseFile();
    closeConnection_ = on;
  }
  [[nodiscard]] bool closeConnection() const { return closeConnection_; }

  void setContentType(std::string_view type) { addHeader("Content-Type", type); }
  // False, and nothing added, when `name` is not a token or `value` holds
  // CR, LF or NUL. Not [[nodiscard]]: most values are constants; a caller
  // that copies a value from elsewhere checks the result.
  bool addHeader(std::string_view name, std::string_view value);
  // The headers added so far, as they go on the wire ("Name: value\r\n"
  // each): kept formatted, so appendToBuffer() copies them at once. A
  // typical response's fit in the response itself; only more than
  // kInlineHeaderBytes of them cost an allocation.
  [[nodiscard]] std::string_view headerLines() const {
    return spilled_ ? std::string_view(spilledHeaders_)
                    : std::string_view(inlineHeaders_.data(), inlineHeaderSize_);
  }
  static constexpr size_t kInlineHeaderBytes = 192;

  void setBody(std::string body) {
    dropWholeResponseFile();
    body_ = std::move(body);
    sharedBody_.reset();
  }
  // A body shared with others (a cached file's contents): `body` lies
  // within `*storage`, which the response keeps alive; nothing is copied
  // until appendToBuffer().
  void setBody(std::shared_ptr<const std::string> storage, std::string_view body) {
    dropWholeResponseFile();
    sharedBody_ = std::move(storage);
    body_.clear();
    bodyView_ = body;
  }
  [[nodiscard]] std::string_view body() const {
    return sharedBody_ != nullptr ? bodyView_ : std::string_view(body_);
  }

  // Sends `length` bytes of `file` from `offset` as the body, instead of
  // body(). With `reopen`, a response that has to queue behind another
  // file lets its descriptor go and opens the file again when its turn
  // comes (see TcpConnection::sendFile).
  void setFileBody(UniqueFd file, off_t offset, size_t length, FileOpener reopen = nullptr);
  // The same with a descriptor shared with others (a file cache's), which
  // is borrowed, never closed or moved (sendfile takes its own offset).
  void setFileBody(std::shared_ptr<const UniqueFd> file, off_t offset, size_t length,
                   FileOpener reopen = nullptr);
  [[nodiscard]] bool hasFileBody() const { return file_ != nullptr; }
  // A prebuilt copy of this very response, status line to body: the first
  // `length` bytes of `file`, which the server may send alone with one
  // sendfile instead of the header and the file body. Whoever built it
  // wrote this response's status, headers and Connection into it; any
  // later change to the response (a header added, the status or the
  // connection rules changed, another body) drops the copy, so what goes on
  // the wire is always the response as finally set. The descriptor is
  // shared: a response queued behind another file holds none of its own.
  void setWholeResponseFile(std::shared_ptr<const UniqueFd> file, size_t length) {
    wholeFile_ = file != nullptr && file->valid() ? std::move(file) : nullptr;
    wholeLength_ = length;
  }
  [[nodiscard]] bool hasWholeResponseFile() const { return wholeFile_ != nullptr; }
  [[nodiscard]] size_t wholeResponseLength() const { return wholeLength_; }
  [[nodiscard]] std::shared_ptr<const UniqueFd> releaseWholeResponseFile() {
    return std::move(wholeFile_);
  }
  [[nodiscard]] off_t fileOffset() const { return fileOffset_; }
  [[nodiscard]] size_t fileLength() const { return fileLength_; }
  // Gives up the file (null when there is none) and its opener.
  [[nodiscard]] std::shared_ptr<const UniqueFd> releaseFile() { return std::move(file_); }
  [[nodiscard]] FileOpener releaseFileOpener() { return std::move(fileOpener_); }

  // A response to HEAD: the header says Content-Length of the full body, but
  // appendToBuffer() writes no body (and the server sends no file).
  void setHeadResponse(bool on) {
    if (on != headResponse_) dropWholeResponseFile();
    headResponse_ = on;
  }
  [[nodiscard]] bool headResponse() const { return headResponse_; }

  // Whether the status allows a body at all (not 1xx, 204 or 304).
  [[nodiscard]] bool statusAllowsBody() const;

  // A body sent in chunks as it is produced (RFC 9112 7.1): the header says
  // Transfer-Encoding: chunked instead of a Content-Length, and
  // appendToBuffer() writes body(), if any, as the first chunk. The sender
  // follows with appendChunk() and ends with an empty one.
  void setChunked(bool on) {
    if (on != chunked_) dropWholeResponseFile();
    chunked_ = on;
  }
  [[nodiscard]] bool chunked() const { return chunked_; }
  // The rest of a response whose header already went out (the end of a
  // chunked body): appendToBuffer() writes body() alone. How a handler that
  // streamed a response hands its last bytes back to the connection.
  void setContinuation(bool on) {
    if (on != continuation_) dropWholeResponseFile();
    continuation_ = on;
  }
  // One chunk of a chunked body; an empty `data` is the last chunk.
  static void appendChunk(std::string_view data, Buffer* output);

  // Appends the status line, the headers and body() (unless HEAD, a file
  // body or a status without a body).
  void appendToBuffer(Buffer* output) const;

 private:
  void dropWholeResponseFile() { wholeFile_.reset(); }

  int statusCode_ = 200;
  bool closeConnection_;
  bool headResponse_ = false;
  bool chunked_ = false;
  bool continuation_ = false;
  // headerLines(): in inlineHeaders_ until they outgrow it, then all in
  // spilledHeaders_ (spilled_ set).
  std::array<char, kInlineHeaderBytes> inlineHeaders_{};
  size_t inlineHeaderSize_ = 0;
  bool spilled_ = false;
  std::string spilledHeaders_;
  // With sharedBody_ the body is bodyView_, within it; else body_.
  std::string body_;
  std::shared_ptr<const std::string> sharedBody_;
  std::string_view bodyView_;
  std::shared_ptr<const UniqueFd> file_;  // null, or a valid descriptor
  FileOpener fileOpener_;
  std::shared_ptr<const UniqueFd> wholeFile_;  // null, or a valid descriptor
  size_t wholeLength_ = 0;
  off_t fileOffset_ = 0;
  size_t fileLength_ = 0;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_HTTP_HTTPRESPONSE_H_
