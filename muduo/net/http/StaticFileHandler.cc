#include "muduo/net/http/StaticFileHandler.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/http/OpenFileCache.h"

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

// Characters a path may carry unescaped in a Location (RFC 3986 pchar and
// '/'). Everything else, '\\' included, is percent-encoded, so a browser
// cannot read the result as another host.
bool isPathChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::strchr("-._~!$&'()*+,;=:@/", c) != nullptr;
}

std::string percentEncodePath(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (isPathChar(c)) {
      out.push_back(c);
    } else {
      const auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<StaticFileHandler> StaticFileHandler::create(std::string_view root) {
  return create(root, Options());
}

absl::StatusOr<StaticFileHandler> StaticFileHandler::create(std::string_view root,
                                                            const Options& options) {
  const std::string rootCopy(root);
  UniqueFd fd(::open(rootCopy.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    return errno == ENOTDIR
               ? absl::InvalidArgumentError(absl::StrCat("root is not a directory: ", rootCopy))
               : absl::NotFoundError(
                     absl::StrCat("cannot open root ", rootCopy, ": ", std::strerror(errno)));
  }
  auto rootFd = std::make_shared<const UniqueFd>(std::move(fd));
  auto cache = std::make_shared<OpenFileCache>(rootFd, options.cache);
  return StaticFileHandler(rootCopy, std::move(cache), options);
}

std::string_view StaticFileHandler::contentType(std::string_view path) {
  constexpr std::string_view kDefault = "application/octet-stream";
  const size_t dot = path.rfind('.');
  const size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return kDefault;
  }
  // The extension, lowered, packed into one integer (a byte each, its
  // length above them) and compared with the table's as integers: this runs
  // for every file served. No known extension is longer than 5 bytes.
  const std::string_view ext = path.substr(dot + 1);
  if (ext.size() > 5) return kDefault;
  uint64_t key = 0;
  for (const char c : ext) {
    key = key << 8 | static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  key |= static_cast<uint64_t>(ext.size()) << 56;
  static constexpr auto pack = [](std::string_view e) {
    uint64_t v = 0;
    for (const char c : e) v = v << 8 | static_cast<unsigned char>(c);
    return v | static_cast<uint64_t>(e.size()) << 56;
  };
  static constexpr std::pair<uint64_t, std::string_view> kTypes[] = {
      {pack("html"), "text/html; charset=utf-8"},
      {pack("htm"), "text/html; charset=utf-8"},
      {pack("css"), "text/css; charset=utf-8"},
      {pack("js"), "text/javascript; charset=utf-8"},
      {pack("mjs"), "text/javascript; charset=utf-8"},
      {pack("json"), "application/json"},
      {pack("txt"), "text/plain; charset=utf-8"},
      {pack("md"), "text/markdown; charset=utf-8"},
      {pack("csv"), "text/csv; charset=utf-8"},
      {pack("xml"), "application/xml"},
      {pack("svg"), "image/svg+xml"},
      {pack("png"), "image/png"},
      {pack("jpg"), "image/jpeg"},
      {pack("jpeg"), "image/jpeg"},
      {pack("gif"), "image/gif"},
      {pack("webp"), "image/webp"},
      {pack("ico"), "image/x-icon"},
      {pack("wasm"), "application/wasm"},
      {pack("pdf"), "application/pdf"},
      {pack("zip"), "application/zip"},
      {pack("gz"), "application/gzip"},
      {pack("tar"), "application/x-tar"},
      {pack("mp4"), "video/mp4"},
      {pack("webm"), "video/webm"},
      {pack("mp3"), "audio/mpeg"},
      {pack("woff"), "font/woff"},
      {pack("woff2"), "font/woff2"},
  };
  for (const auto& [e, type] : kTypes) {
    if (e == key) return type;
  }
  return kDefault;
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

std::string StaticFileHandler::formatHttpDate(time_t t) { return OpenFileCache::formatHttpDate(t); }

std::optional<time_t> StaticFileHandler::parseHttpDate(std::string_view s) {
  const std::string copy(s);
  struct tm tm = {};
  const char* end = ::strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return ::timegm(&tm);
}

std::optional<std::string> StaticFileHandler::relativePath(std::string_view decoded,
                                                           bool serveDotfiles, int* status) {
  std::string relative;
  while (!decoded.empty()) {
    const size_t slash = decoded.find('/');
    const std::string_view component = decoded.substr(0, slash);
    decoded.remove_prefix(slash == std::string_view::npos ? decoded.size() : slash + 1);
    if (component.empty() || component == ".") continue;
    if (component == "..") {
      *status = 403;
      return std::nullopt;
    }
    if (component.front() == '.' && !serveDotfiles) {
      *status = 404;
      return std::nullopt;
    }
    if (!relative.empty()) relative += '/';
    relative.append(component);
  }
  // A fresh string, not an assignment into `relative`: GCC 12 at -O2 warns
  // (-Wrestrict) on that assignment after the appends above.
  if (relative.empty()) return std::string(".");
  return relative;
}

void StaticFileHandler::setOpenError(int error, HttpResponse* response) {
  // EXDEV: out of the root; ELOOP: a symlink the fallback will not follow.
  const bool forbidden = error == EACCES || error == EPERM || error == EXDEV || error == ELOOP;
  setError(response, forbidden ? 403 : 404);
}

void StaticFileHandler::handle(const HttpRequest& request, HttpResponse* response) const {
  if (request.method() != "GET" && request.method() != "HEAD") {
    setError(response, 405);
    response->addHeader("Allow", "GET, HEAD");
    return;
  }
  const std::string_view rawPath = request.path();
  if (rawPath.empty() || rawPath.front() != '/') {
    setError(response, 400);
    return;
  }
  // Most paths hold no escape: decoded only when one is there.
  std::optional<std::string> decodedCopy;
  std::string_view decoded = rawPath;
  if (rawPath.find('%') != std::string_view::npos) {
    decodedCopy = percentDecode(rawPath);
    if (!decodedCopy) {
      setError(response, 400);
      return;
    }
    decoded = *decodedCopy;
  }
  int status = 0;
  std::optional<std::string> relative = relativePath(decoded, serveDotfiles_, &status);
  if (!relative) {
    setError(response, status);
    return;
  }
  int error = 0;
  OpenFileCache::FilePtr file = cache_->lookup(*relative, &error);
  if (file == nullptr) {
    setOpenError(error, response);
    return;
  }
  if (file->kind == OpenFileCache::File::Kind::kDirectory) {
    if (decoded.back() != '/') {
      // Built from the cleaned path, never from the raw target: "//host"
      // must not become a redirect to another site.
      response->setStatusCode(301);
      std::string location = "/";
      if (*relative != ".") location += percentEncodePath(*relative) + "/";
      if (!request.query().empty()) {
        location += '?';
        location.append(request.query());
      }
      if (!response->addHeader("Location", location)) setError(response, 400);
      return;
    }
    *relative = *relative == "." ? "index.html" : *relative + "/index.html";
    file = cache_->lookup(*relative, &error);
    if (file == nullptr) {
      setOpenError(error, response);
      return;
    }
  }
  if (file->kind != OpenFileCache::File::Kind::kRegular) {
    setError(response, 404);
    return;
  }
  const std::string_view lastModified = file->lastModified;
  response->addHeader("Last-Modified", lastModified);
  response->addHeader("Accept-Ranges", "bytes");

  const std::string_view ims = request.header("If-Modified-Since");
  if (!ims.empty()) {
    const std::optional<time_t> since = parseHttpDate(ims);
    if (since && file->identity.mtime.tv_sec <= *since) {
      response->setStatusCode(304);
      return;
    }
  }

  response->setContentType(contentType(*relative));
  const uint64_t size = static_cast<uint64_t>(file->identity.size);
  uint64_t first = 0;
  uint64_t last = size == 0 ? 0 : size - 1;
  const std::string_view range = request.header("Range");
  const std::string_view ifRange = request.header("If-Range");
  if (!range.empty() && (ifRange.empty() || ifRange == lastModified)) {
    switch (parseRange(range, size, &first, &last)) {
      case RangeResult::kIgnore:
        first = 0;
        last = size == 0 ? 0 : size - 1;
        break;
      case RangeResult::kUnsatisfiable:
        response->setStatusCode(416);
        response->addHeader("Content-Range", absl::StrCat("bytes */", size));
        return;
      case RangeResult::kRange:
        response->setStatusCode(206);
        response->addHeader("Content-Range", absl::StrCat("bytes ", first, "-", last, "/", size));
        break;
    }
  }
  const size_t length = size == 0 ? 0 : static_cast<size_t>(last - first + 1);
  if (file->contents != nullptr) {
    // In memory: goes out with the header, in the same write.
    response->setBody(file->contents, std::string_view(*file->contents).substr(first, length));
    return;
  }
  // The cache's descriptor, borrowed (sendfile keeps its own offset): the
  // response holds the entry, not a descriptor of its own.
  std::shared_ptr<const UniqueFd> fd(file, &file->fd);
  // Queued behind another file, the response gives its descriptor back and
  // opens the same path again in turn; a different file there now (swapped,
  // rewritten) yields no descriptor, and the connection closes. The opener
  // holds only the entry's origin (no descriptor, unlike the entry), so it
  // fits in the AnyInvocable: no allocation.
  const bool whole = response->statusCode() == 200 && length == size;
  response->setFileBody(std::move(fd), static_cast<off_t>(first), length,
                        [origin = file->origin] { return origin->reopen(); });
  if (whole && size > 0 && size <= maxPrebuiltFileBytes_ && !response->headResponse() &&
      !response->closeConnection()) {
    if (auto prebuilt = prebuiltFor(*file, *response)) {
      response->setWholeResponseFile(prebuilt->fd, prebuilt->length);
      prebuiltResponses_->fetch_add(1, std::memory_order_relaxed);
    }
  }
}

std::shared_ptr<const OpenFileCache::File::Prebuilt> StaticFileHandler::prebuiltFor(
    const OpenFileCache::File& file, const HttpResponse& response) {
  const time_t now = ::time(nullptr);
  MutexLock lock(&file.prebuiltMutex);
  if (file.prebuilt != nullptr && file.prebuilt->second == now) {
    // Another request's copy serves only a response with the same headers;
    // others are built as usual, the copy kept for the rest of the second.
    return file.prebuilt->headerLines == response.headerLines() ? file.prebuilt : nullptr;
  }
  if (file.usesSecond != now) {
    file.usesSecond = now;
    file.uses = 0;
  }
  if (++file.uses < kPrebuildAfterUses) return nullptr;
  // Built under the file's own lock (a few tens of microseconds, once a
  // second): another loop asking for the same file meanwhile waits for it
  // rather than building a second copy.
  file.prebuilt.reset();
  Buffer head;
  response.appendToBuffer(&head);  // the header alone: the body is a file
  UniqueFd copy(::memfd_create("muduo-http-response", MFD_CLOEXEC));
  if (!copy.valid()) return nullptr;
  for (std::string_view rest = head.view(); !rest.empty();) {
    const ssize_t n = ::write(copy.get(), rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return nullptr;
    rest.remove_prefix(static_cast<size_t>(n));
  }
  const auto size = static_cast<size_t>(file.identity.size);
  off_t offset = 0;
  while (static_cast<size_t>(offset) < size) {
    const ssize_t n =
        ::sendfile(copy.get(), file.fd.get(), &offset, size - static_cast<size_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return nullptr;
  }
  // Changed while we copied: what we have may be torn. Served as before,
  // from the descriptor, until the entry is checked again.
  struct stat after;
  if (::fstat(file.fd.get(), &after) != 0 || !file.identity.matches(after)) return nullptr;
  auto prebuilt = std::make_shared<OpenFileCache::File::Prebuilt>();
  prebuilt->second = now;
  prebuilt->length = head.readableBytes() + size;
  prebuilt->headerLines = response.headerLines();
  prebuilt->fd = std::make_shared<const UniqueFd>(std::move(copy));
  file.prebuilt = prebuilt;
  return prebuilt;
}

}  // namespace muduo::net
