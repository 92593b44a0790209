// StaticFileHandler: serves the files under one directory, as an
// HttpCallback. GET and HEAD. What it opens it keeps in an OpenFileCache
// shared by every copy of the handler (so by every loop): a small file's
// contents go out with the header in one write, a larger file's body with
// sendfile(2) from the cached descriptor. A file changed, replaced or
// deleted is seen at most Options::cache.validity (1 s by default) later;
// see OpenFileCache.h for the bounds.
//
// Content-Type from the extension, Last-Modified and If-Modified-Since
// (304), one byte range per request (206, or 416 when unsatisfiable; several
// ranges get the whole file), index.html for a directory (a directory named
// without its trailing slash is redirected to it). Nothing outside the root
// is ever served: ".." segments (also percent-encoded) are refused, and the
// path is opened beneath the root with openBeneath (openat2 RESOLVE_BENEATH),
// so symlinks pointing out of it are refused too (403), also when the cache
// checks an entry again.
//
// A file served by descriptor and asked for often (several times in one
// second) gets a prebuilt response: its status line, headers (this second's
// Date) and body copied once into a memfd, so each later GET in that second
// costs one sendfile instead of a send of the header and a sendfile of the
// body (a callback that changes the response afterwards, adding a header
// say, drops the copy: see HttpResponse::setWholeResponseFile). Only plain
// 200 keep-alive GETs use it (HEAD, ranges, 304, closing
// responses are built as usual), and only those whose headers are the
// copy's (a header the server added before the handler makes a response
// its own); it lives in the cache entry, so it is
// never staler than the entry, and is rebuilt each second for its Date.
// Bounds: files up to Options::maxPrebuiltFileBytes, one memfd per cached
// descriptor at most (so at most twice cache.maxOpenFiles descriptors),
// and beyond the cache at most the one a connection's queue holds (a
// response queued behind another file keeps no descriptor: see
// HttpConnectionHandler::sendResponse and OpenFileCache::File::Origin).
//
// Immutable after creation apart from the (thread-safe) cache: handle() may
// run in many loop threads at once.
#ifndef MUDUO_NET_HTTP_STATICFILEHANDLER_H_
#define MUDUO_NET_HTTP_STATICFILEHANDLER_H_

#include <atomic>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "muduo/base/UniqueFd.h"
#include "muduo/net/http/HttpRequest.h"
#include "muduo/net/http/HttpResponse.h"
#include "muduo/net/http/OpenFileCache.h"

namespace muduo::net {

class StaticFileHandler {
 public:
  struct Options {
    // Serve paths with a component starting with '.' (.git, .env ...).
    bool serveDotfiles = false;
    // maxEntries 0 turns the cache off (every request opens its file).
    OpenFileCache::Options cache;
    // Files up to this size served by descriptor get a prebuilt response
    // once asked for kPrebuildAfterUses times in a second; 0: never.
    size_t maxPrebuiltFileBytes = 64 * 1024;
  };
  static constexpr uint32_t kPrebuildAfterUses = 4;

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
  [[nodiscard]] OpenFileCache::Stats cacheStats() const { return cache_->stats(); }
  // Responses this handler and its copies gave a prebuilt copy (sent from
  // it unless a later callback changed the response).
  [[nodiscard]] uint64_t prebuiltResponses() const {
    return prebuiltResponses_->load(std::memory_order_relaxed);
  }

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
  StaticFileHandler(std::string root, std::shared_ptr<OpenFileCache> cache, const Options& options)
      : root_(std::move(root)),
        cache_(std::move(cache)),
        serveDotfiles_(options.serveDotfiles),
        maxPrebuiltFileBytes_(options.maxPrebuiltFileBytes) {}

  // The error status for a file that could not be opened with `error`.
  static void setOpenError(int error, HttpResponse* response);
  // The prebuilt copy of `response` (a 200 with the whole of `file` as its
  // file body) for this second: the one kept, or one built now when the
  // file has been asked for often enough; nullptr otherwise.
  [[nodiscard]] static std::shared_ptr<const OpenFileCache::File::Prebuilt> prebuiltFor(
      const OpenFileCache::File& file, const HttpResponse& response);

  std::string root_;                      // as given, for messages
  std::shared_ptr<OpenFileCache> cache_;  // shared by every copy
  bool serveDotfiles_;
  size_t maxPrebuiltFileBytes_;
  std::shared_ptr<std::atomic<uint64_t>> prebuiltResponses_ =
      std::make_shared<std::atomic<uint64_t>>(0);
};

}  // namespace muduo::net

#endif  // MUDUO_NET_HTTP_STATICFILEHANDLER_H_
