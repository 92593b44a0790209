// HttpRequest: one parsed HTTP/1.x request: method, target, version,
// headers and the (de-chunked) body.
//
// A plain value. HttpParser fills it in the connection's loop thread and
// hands it to the handler by const reference; copy it to keep it longer.
#ifndef MUDUO_NET_HTTP_HTTPREQUEST_H_
#define MUDUO_NET_HTTP_HTTPREQUEST_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "muduo/base/Timestamp.h"

namespace muduo::net {

class HttpRequest {
 public:
  enum class Version { kHttp10, kHttp11 };

  // The method as sent (case-sensitive, RFC 9110): "GET", "HEAD", "POST"...
  [[nodiscard]] const std::string& method() const { return method_; }
  // The request target as sent, e.g. "/a/b?x=1".
  [[nodiscard]] const std::string& target() const { return target_; }
  // The target up to '?', still percent-encoded.
  [[nodiscard]] std::string_view path() const;
  // After '?', without it; empty when there is none.
  [[nodiscard]] std::string_view query() const;
  [[nodiscard]] Version version() const { return version_; }
  [[nodiscard]] Timestamp receiveTime() const { return receiveTime_; }

  // Headers in arrival order; names as sent.
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& headers() const {
    return headers_;
  }
  // The first header named `name` (case-insensitive), or empty.
  [[nodiscard]] std::string_view header(std::string_view name) const;
  [[nodiscard]] bool hasHeader(std::string_view name) const;
  // Whether the comma-separated header `name` lists `token` (case-insensitive).
  [[nodiscard]] bool headerHasToken(std::string_view name, std::string_view token) const;

  [[nodiscard]] const std::string& body() const { return body_; }

  // Whether the connection stays open after the response: HTTP/1.1 unless
  // "Connection: close"; HTTP/1.0 only with "Connection: keep-alive".
  [[nodiscard]] bool keepAlive() const;

  // For HttpParser and tests.
  void setMethod(std::string_view m) { method_.assign(m); }
  void setTarget(std::string_view t) { target_.assign(t); }
  void setVersion(Version v) { version_ = v; }
  void setReceiveTime(Timestamp t) { receiveTime_ = t; }
  void addHeader(std::string_view name, std::string_view value) {
    headers_.emplace_back(std::string(name), std::string(value));
  }
  [[nodiscard]] std::string* mutableBody() { return &body_; }
  // Empties the request for reuse; keeps the capacity of its strings.
  void clear();

 private:
  std::string method_;
  std::string target_;
  Version version_ = Version::kHttp11;
  Timestamp receiveTime_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string body_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_HTTP_HTTPREQUEST_H_
