// HttpResponse: the status, headers and body of one HTTP/1.x response, and
// its serialization into a Buffer.
//
// The body is either bytes (setBody) or a range of an open file
// (setFileBody), which HttpConnectionHandler sends with sendfile(2) after the
// header. Content-Length, Date, Server and Connection are written by
// appendToBuffer(); do not add them yourself.
//
// A move-only value (it may own a file descriptor), used by one thread at a
// time: the handler fills it in the connection's loop thread.
#ifndef MUDUO_NET_HTTP_HTTPRESPONSE_H_
#define MUDUO_NET_HTTP_HTTPRESPONSE_H_

#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace muduo::net {

class Buffer;

class HttpResponse {
 public:
  explicit HttpResponse(bool closeConnection = false) : closeConnection_(closeConnection) {}
  ~HttpResponse();
  HttpResponse(HttpResponse&& other) noexcept;
  HttpResponse& operator=(HttpResponse&& other) noexcept;
  HttpResponse(const HttpResponse&) = delete;
  HttpResponse& operator=(const HttpResponse&) = delete;

  // 200 unless set. The reason phrase follows from the code.
  void setStatusCode(int code) { statusCode_ = code; }
  [[nodiscard]] int statusCode() const { return statusCode_; }
  [[nodiscard]] static std::string_view reasonPhrase(int code);

  // Whether the connection closes after this response. The server sets it
  // from the request's keep-alive rules; a handler may set it too.
  void setCloseConnection(bool on) { closeConnection_ = on; }
  [[nodiscard]] bool closeConnection() const { return closeConnection_; }

  void setContentType(std::string_view type) { addHeader("Content-Type", type); }
  void addHeader(std::string_view name, std::string_view value) {
    headers_.emplace_back(std::string(name), std::string(value));
  }
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& headers() const {
    return headers_;
  }

  void setBody(std::string body) { body_ = std::move(body); }
  [[nodiscard]] const std::string& body() const { return body_; }

  // Sends `length` bytes of `fd` from `offset` as the body, instead of
  // body(). Takes ownership of `fd`.
  void setFileBody(int fd, off_t offset, size_t length);
  [[nodiscard]] bool hasFileBody() const { return fileFd_ >= 0; }
  [[nodiscard]] off_t fileOffset() const { return fileOffset_; }
  [[nodiscard]] size_t fileLength() const { return fileLength_; }
  // Gives up ownership of the file; -1 when there is none.
  [[nodiscard]] int releaseFile() { return std::exchange(fileFd_, -1); }

  // A response to HEAD: the header says Content-Length of the full body, but
  // appendToBuffer() writes no body (and the server sends no file).
  void setHeadResponse(bool on) { headResponse_ = on; }
  [[nodiscard]] bool headResponse() const { return headResponse_; }

  // Whether the status allows a body at all (not 1xx, 204 or 304).
  [[nodiscard]] bool statusAllowsBody() const;

  // Appends the status line, the headers and body() (unless HEAD, a file
  // body or a status without a body).
  void appendToBuffer(Buffer* output) const;

 private:
  void closeFile();

  int statusCode_ = 200;
  bool closeConnection_;
  bool headResponse_ = false;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string body_;
  int fileFd_ = -1;
  off_t fileOffset_ = 0;
  size_t fileLength_ = 0;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_HTTP_HTTPRESPONSE_H_
