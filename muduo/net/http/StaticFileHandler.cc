#include "muduo/net/http/StaticFileHandler.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace muduo::net {

namespace {

void setError(HttpResponse* response, int status) {
  response->setStatusCode(status);
  response->setContentType("text/plain");
  response->setBody(absl::StrCat(std::string(HttpResponse::reasonPhrase(status)), "\n"));
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parseOffset(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  const auto result = std::from_chars(s.data(), s.data() + s.size(), *out);
  return result.ec == std::errc() && result.ptr == s.data() + s.size();
}

// The single range of a "Range: bytes=..." header over a file of `size`
// bytes. kIgnore: not a single byte range we understand, so serve the whole
// file (RFC 9110 14.2 allows that).
enum class RangeResult { kIgnore, kUnsatisfiable, kRange };

RangeResult parseRange(std::string_view header, uint64_t size, uint64_t* first, uint64_t* last) {
  constexpr std::string_view kPrefix = "bytes=";
  if (header.substr(0, kPrefix.size()) != kPrefix) return RangeResult::kIgnore;
  std::string_view spec = header.substr(kPrefix.size());
  if (spec.find(',') != std::string_view::npos) return RangeResult::kIgnore;
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return RangeResult::kIgnore;
  const std::string_view a = spec.substr(0, dash);
  const std::string_view b = spec.substr(dash + 1);
  if (a.empty()) {  // suffix: the last n bytes
    uint64_t n = 0;
    if (!parseOffset(b, &n)) return RangeResult::kIgnore;
    if (n == 0 || size == 0) return RangeResult::kUnsatisfiable;
    *first = n >= size ? 0 : size - n;
    *last = size - 1;
    return RangeResult::kRange;
  }
  uint64_t from = 0;
  if (!parseOffset(a, &from)) return RangeResult::kIgnore;
  uint64_t to = UINT64_MAX;
  if (!b.empty()) {
    if (!parseOffset(b, &to)) return RangeResult::kIgnore;
    if (to < from) return RangeResult::kIgnore;
  }
  if (from >= size) return RangeResult::kUnsatisfiable;
  *first = from;
  *last = to >= size ? size - 1 : to;
  return RangeResult::kRange;
}

bool underRoot(const std::string& root, const std::string& path) {
  if (root == "/") return true;
  return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                          path[root.size()] == '/');
}

}  // namespace

absl::StatusOr<StaticFileHandler> StaticFileHandler::create(std::string_view root) {
  char resolved[PATH_MAX];
  const std::string rootCopy(root);
  if (::realpath(rootCopy.c_str(), resolved) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("cannot resolve root ", rootCopy, ": ", std::strerror(errno)));
  }
  struct stat st;
  if (::stat(resolved, &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat("root is not a directory: ", rootCopy));
  }
  return StaticFileHandler(resolved);
}

std::string_view StaticFileHandler::contentType(std::string_view path) {
  const size_t dot = path.rfind('.');
  const size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return "application/octet-stream";
  }
  std::string ext(path.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"json", "application/json"},
      {"txt", "text/plain; charset=utf-8"},
      {"md", "text/markdown; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"xml", "application/xml"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"wasm", "application/wasm"},
      {"pdf", "application/pdf"},
      {"zip", "application/zip"},
      {"gz", "application/gzip"},
      {"tar", "application/x-tar"},
      {"mp4", "video/mp4"},
      {"webm", "video/webm"},
      {"mp3", "audio/mpeg"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
  };
  for (const auto& [e, type] : kTypes) {
    if (e == ext) return type;
  }
  return "application/octet-stream";
}

std::optional<std::string> StaticFileHandler::percentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hexValue(s[i + 1]);
    const int lo = hexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    const char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return std::nullopt;
    out.push_back(c);
    i += 2;
  }
  return out;
}

std::string StaticFileHandler::formatHttpDate(time_t t) {
  struct tm tm;
  ::gmtime_r(&t, &tm);
  char buf[64];
  const size_t n = ::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

std::optional<time_t> StaticFileHandler::parseHttpDate(std::string_view s) {
  const std::string copy(s);
  struct tm tm = {};
  const char* end = ::strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return ::timegm(&tm);
}

std::optional<std::string> StaticFileHandler::resolve(const std::string& path,
                                                      HttpResponse* response) const {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) {
    setError(response, errno == EACCES ? 403 : 404);
    return std::nullopt;
  }
  std::string result(resolved);
  if (!underRoot(root_, result)) {
    setError(response, 403);
    return std::nullopt;
  }
  return result;
}

void StaticFileHandler::handle(const HttpRequest& request, HttpResponse* response) const {
  if (request.method() != "GET" && request.method() != "HEAD") {
    setError(response, 405);
    response->addHeader("Allow", "GET, HEAD");
    return;
  }
  const std::string_view rawPath = request.path();
  const std::optional<std::string> decoded = percentDecode(rawPath);
  if (rawPath.empty() || rawPath.front() != '/' || !decoded) {
    setError(response, 400);
    return;
  }
  // Refuse ".." outright, before touching the file system.
  std::string_view rest = *decoded;
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    if (rest.substr(0, slash) == "..") {
      setError(response, 403);
      return;
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }

  std::optional<std::string> path = resolve(root_ + *decoded, response);
  if (!path) return;
  struct stat st;
  if (::stat(path->c_str(), &st) != 0) {
    setError(response, 404);
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    if (decoded->back() != '/') {
      response->setStatusCode(301);
      std::string location(rawPath);
      location += '/';
      if (!request.query().empty()) {
        location += '?';
        location.append(request.query());
      }
      response->addHeader("Location", location);
      return;
    }
    path = resolve(*path + "/index.html", response);
    if (!path) return;
  }
  const int fd = ::open(path->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    setError(response, errno == EACCES ? 403 : 404);
    return;
  }
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    setError(response, 404);
    return;
  }
  const std::string lastModified = formatHttpDate(st.st_mtime);
  response->addHeader("Last-Modified", lastModified);
  response->addHeader("Accept-Ranges", "bytes");

  const std::string_view ims = request.header("If-Modified-Since");
  if (!ims.empty()) {
    const std::optional<time_t> since = parseHttpDate(ims);
    if (since && st.st_mtime <= *since) {
      ::close(fd);
      response->setStatusCode(304);
      return;
    }
  }

  response->setContentType(contentType(*path));
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const std::string_view range = request.header("Range");
  const std::string_view ifRange = request.header("If-Range");
  if (!range.empty() && (ifRange.empty() || ifRange == lastModified)) {
    uint64_t first = 0;
    uint64_t last = 0;
    switch (parseRange(range, size, &first, &last)) {
      case RangeResult::kIgnore:
        break;
      case RangeResult::kUnsatisfiable:
        ::close(fd);
        response->setStatusCode(416);
        response->addHeader("Content-Range", absl::StrCat("bytes */", size));
        return;
      case RangeResult::kRange:
        response->setStatusCode(206);
        response->addHeader("Content-Range", absl::StrCat("bytes ", first, "-", last, "/", size));
        response->setFileBody(fd, static_cast<off_t>(first), last - first + 1);
        return;
    }
  }
  response->setFileBody(fd, 0, size);
}

}  // namespace muduo::net
