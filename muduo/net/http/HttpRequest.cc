#include "muduo/net/http/HttpRequest.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace muduo::net {

namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(absl::string_view(a.data(), a.size()),
                                absl::string_view(b.data(), b.size()));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view HttpRequest::path() const {
  std::string_view t = target_;
  const size_t q = t.find('?');
  return q == std::string_view::npos ? t : t.substr(0, q);
}

std::string_view HttpRequest::query() const {
  std::string_view t = target_;
  const size_t q = t.find('?');
  return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
}

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers_) {
    if (equalsIgnoreCase(n, name)) return v;
  }
  return {};
}

bool HttpRequest::hasHeader(std::string_view name) const {
  for (const auto& h : headers_) {
    if (equalsIgnoreCase(h.first, name)) return true;
  }
  return false;
}

bool HttpRequest::headerHasToken(std::string_view name, std::string_view token) const {
  for (const auto& [n, v] : headers_) {
    if (!equalsIgnoreCase(n, name)) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      if (equalsIgnoreCase(trim(rest.substr(0, comma)), token)) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

bool HttpRequest::keepAlive() const {
  if (version_ == Version::kHttp11) return !headerHasToken("Connection", "close");
  return headerHasToken("Connection", "keep-alive");
}

void HttpRequest::clear() {
  method_.clear();
  target_.clear();
  version_ = Version::kHttp11;
  receiveTime_ = Timestamp();
  headers_.clear();
  body_.clear();
}

}  // namespace muduo::net
