// StaticFileHandler: serves the files under one directory, as an
// HttpCallback. GET and HEAD; the body goes out with sendfile(2).
//
// Content-Type from the extension, Last-Modified and If-Modified-Since
// (304), one byte range per request (206, or 416 when unsatisfiable; several
// ranges get the whole file), index.html for a directory (a directory named
// without its trailing slash is redirected to it). Nothing outside the root
// is ever served: ".." segments (also percent-encoded) are refused, and the
// path is resolved with realpath(3) and must stay under the resolved root,
// so symlinks pointing out of it are refused too (403).
//
// Immutable after creation: handle() may run in many loop threads at once.
#ifndef MUDUO_NET_HTTP_STATICFILEHANDLER_H_
#define MUDUO_NET_HTTP_STATICFILEHANDLER_H_

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "muduo/base/UniqueFd.h"
#include "muduo/net/http/HttpRequest.h"
#include "muduo/net/http/HttpResponse.h"

namespace muduo::net {

class StaticFileHandler {
 public:
  struct Options {
    // Serve paths with a component starting with '.' (.git, .env ...).
    bool serveDotfiles = false;
  };

  // Fails unless `root` is an existing directory, which stays open for the
  // handler's (and its copies') lifetime.
  [[nodiscard]] static absl::StatusOr<StaticFileHandler> create(std::string_view root);
  [[nodiscard]] static absl::StatusOr<StaticFileHandler> create(std::string_view root,
                                                                const Options& options);

  // Any thread.
  void handle(const HttpRequest& request, HttpResponse* response) const;
  void operator()(const HttpRequest& request, HttpResponse* response) const {
    handle(request, response);
  }

  [[nodiscard]] const std::string& root() const { return root_; }

  // Helpers, public for tests.
  [[nodiscard]] static std::string_view contentType(std::string_view path);
  // Decodes %XX; nullopt on a malformed escape or an encoded NUL.
  [[nodiscard]] static std::optional<std::string> percentDecode(std::string_view s);
  [[nodiscard]] static std::string formatHttpDate(time_t t);
  [[nodiscard]] static std::optional<time_t> parseHttpDate(std::string_view s);

  // The path below the root that `decoded` names ("a/b", "." for the root
  // itself): empty and "." components dropped. nullopt with *status set
  // (403 for "..", 404 for a dotfile) when it may not be served.
  [[nodiscard]] static std::optional<std::string> relativePath(std::string_view decoded,
                                                               bool serveDotfiles, int* status);

 private:
  StaticFileHandler(std::string root, std::shared_ptr<const UniqueFd> rootFd,
                    const Options& options)
      : root_(std::move(root)), rootFd_(std::move(rootFd)), options_(options) {}

  // Opens `relative` beneath the root; invalid with the error status set on
  // `response` when it cannot be served.
  [[nodiscard]] UniqueFd open(const std::string& relative, HttpResponse* response) const;

  std::string root_;                        // as given, for messages
  std::shared_ptr<const UniqueFd> rootFd_;  // shared with queued reopen callbacks
  Options options_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_HTTP_STATICFILEHANDLER_H_
