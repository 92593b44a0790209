// file_server: serves a directory over HTTP/1.1.
//   bazel run //muduo/net/http:file_server -- --root=DIR --port=N
#include <chrono>
#include <cstdint>
#include <cstdio>

#include "absl/flags/flag.h"
#include "muduo/base/Logging.h"
#include "muduo/base/ProgramFlags.h"
#include "muduo/net/ConnectionFlags.h"
#include "muduo/net/ListenFlags.h"
#include "muduo/net/ServerRunner.h"
#include "muduo/net/http/HttpServer.h"
#include "muduo/net/http/StaticFileHandler.h"

ABSL_FLAG(std::string, root, ".", "directory to serve");
ABSL_FLAG(uint64_t, max_keepalive_requests, 1000,
          "requests per connection before it is closed; 0: no limit");
ABSL_FLAG(bool, serve_dotfiles, false, "serve paths with a component starting with '.'");
ABSL_FLAG(uint64_t, open_file_cache_entries, 1000,
          "files whose metadata (and small contents, or descriptor) are cached; 0: no cache");
ABSL_FLAG(uint64_t, open_file_cache_fds, 100,
          "descriptors the cache keeps open for files too large to keep in memory");
ABSL_FLAG(uint64_t, open_file_cache_valid_ms, 1000,
          "a cached file is checked against the disk again once its entry is this old, so a "
          "file changed, replaced or deleted is served as it was for at most this long; 0: "
          "check on every request");
ABSL_FLAG(uint64_t, in_memory_file_bytes, 1024,
          "files up to this size are cached in memory and sent with their header in one write; "
          "larger ones go out with sendfile; 0: always sendfile");
ABSL_FLAG(uint64_t, prebuilt_response_bytes, 64 * 1024,
          "files up to this size sent by descriptor and asked for several times in a second get "
          "their whole response (header and body) prebuilt in a memfd, sent with one sendfile; "
          "0: never");
ABSL_FLAG(uint64_t, in_memory_total_bytes, 32 * 1024 * 1024,
          "bound on the cached contents of all files together");

int main(int argc, char* argv[]) {
  muduo::net::setServerFlagDefaults({.port = 8080, .threads = 0});
  muduo::parseProgramFlags(argc, argv,
                           {"file_server [flags]",
                            "Serves the files under --root over HTTP/1.1 (GET and HEAD, ranges, "
                            "keep-alive), never anything outside it. Opened files are cached "
                            "(see --open_file_cache_*): a change on disk is seen within "
                            "--open_file_cache_valid_ms.",
                            {"file_server --root=$PWD --port=8080"}});
  muduo::net::StaticFileHandler::Options options;
  options.serveDotfiles = absl::GetFlag(FLAGS_serve_dotfiles);
  options.cache.maxEntries = absl::GetFlag(FLAGS_open_file_cache_entries);
  options.cache.maxOpenFiles = absl::GetFlag(FLAGS_open_file_cache_fds);
  options.cache.validity = std::chrono::milliseconds(absl::GetFlag(FLAGS_open_file_cache_valid_ms));
  options.cache.maxFileBytesInMemory = absl::GetFlag(FLAGS_in_memory_file_bytes);
  options.cache.maxBytesInMemory = absl::GetFlag(FLAGS_in_memory_total_bytes);
  options.maxPrebuiltFileBytes = absl::GetFlag(FLAGS_prebuilt_response_bytes);
  auto handler = muduo::net::StaticFileHandler::create(absl::GetFlag(FLAGS_root), options);
  if (!handler.ok()) muduo::exitWithUsageError("file_server", handler.status().ToString());
  // First: it sets the signal mask every later thread inherits.
  muduo::net::ServerRunner runner("file_server");
  muduo::net::HttpServer server(runner.loop(), runner.listenAddress(), "file_server");
  if (!server.listenStatus().ok()) {
    return muduo::net::reportStartupFailure("file_server", server.listenStatus());
  }
  server.setThreadNum(runner.threads());
  const absl::StatusOr<muduo::net::ConnectionOptions> connection =
      muduo::net::connectionOptionsFromFlags(muduo::net::HttpServer::defaultConnectionOptions());
  if (!connection.ok()) muduo::exitWithUsageError("file_server", connection.status().message());
  server.setConnectionOptions(*connection);
  server.setMaxKeepAliveRequests(absl::GetFlag(FLAGS_max_keepalive_requests));
  server.setHttpCallback(*handler);
  server.start();
  LOG_INFO << "file_server: serving " << handler->root();
  if (!runner.serving({{"http", server.listenAddress()}}).ok()) return 1;
  // Requests are short: a stop signal ends the process without draining them.
  return runner.run([](absl::AnyInvocable<void()> done) { done(); });
}
