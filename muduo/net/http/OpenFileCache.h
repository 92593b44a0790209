// OpenFileCache: what StaticFileHandler learned about the files it served
// lately, keyed by their path below the root ("a/b.txt"): each file's kind,
// identity (device, inode, size, mtime) and Last-Modified, and either its
// contents (a file of at most maxFileBytesInMemory, sent with the header in
// one write) or an open descriptor (a larger file, sent with sendfile). A
// hit costs no system call.
//
// Bounds: at most maxEntries entries, at most maxOpenFiles descriptors held
// by the cache, at most maxBytesInMemory bytes of contents; the least
// recently used entry goes first. A file that does not fit is served, just
// not kept.
//
// Invalidation: an entry last checked `validity` ago or more is checked
// again before it is used: the path is opened afresh with openBeneath (so
// the check resolves beneath the root exactly as a first open does: ".."
// and symlinks out of the root are refused, and a path swapped between
// check and open cannot escape) and compared by device, inode, size and
// mtime. A file modified, replaced or deleted is therefore served as it was
// for at most `validity` after the change, as nginx's open_file_cache_valid
// allows. validity 0 checks on every lookup (the cache then saves only the
// reading of unchanged contents). Failed opens are not cached.
//
// Thread-safe: lookup() may run in every loop thread at once. One mutex
// guards the table; no file is opened or read while it is held.
#ifndef MUDUO_NET_HTTP_OPENFILECACHE_H_
#define MUDUO_NET_HTTP_OPENFILECACHE_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "muduo/base/Mutex.h"
#include "muduo/base/UniqueFd.h"

namespace muduo::net {

class OpenFileCache {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    // 0 disables the cache: every lookup opens the file.
    size_t maxEntries = 1000;
    // Descriptors the cache keeps open, for files too large for memory.
    size_t maxOpenFiles = 100;
    // Files up to this size are kept in memory and sent with their header
    // in one write (0: none is); larger ones by descriptor, with sendfile.
    // Small on purpose: measured here, copying a 16 KiB body into the
    // socket cost twice the CPU of sendfile's page references.
    size_t maxFileBytesInMemory = 1024;
    size_t maxBytesInMemory = 32 * 1024 * 1024;
    // How old an entry may be before it is checked against the file again.
    std::chrono::milliseconds validity{1000};
    // For tests; steady_clock::now when empty.
    std::function<Clock::time_point()> clock;
  };

  // What identifies a file's bytes: a file that differs in any of these is
  // not the one described.
  struct Identity {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    struct timespec mtime = {};

    Identity() = default;
    explicit Identity(const struct stat& st)
        : dev(st.st_dev), ino(st.st_ino), size(st.st_size), mtime(st.st_mtim) {}
    [[nodiscard]] bool matches(const struct stat& st) const {
      return st.st_dev == dev && st.st_ino == ino && st.st_size == size &&
             st.st_mtim.tv_sec == mtime.tv_sec && st.st_mtim.tv_nsec == mtime.tv_nsec;
    }
  };

  // One file as it was when last checked. Immutable once published.
  struct File {
    enum class Kind { kRegular, kDirectory, kOther };

    Kind kind = Kind::kOther;
    Identity identity;
    std::string lastModified;  // IMF-fixdate of mtime
    // Regular files: the contents when kept in memory, else `fd` is open.
    std::shared_ptr<const std::string> contents;
    UniqueFd fd;
    // Where it was opened and what it was, apart from the File: a response
    // queued behind another file keeps only this, never the File, whose
    // descriptors (fd, a prebuilt copy) would then stay open as long as it
    // waits, one per queued file however few the cache keeps.
    struct Origin {
      std::shared_ptr<const UniqueFd> root;
      std::string relative;
      Identity identity;

      // Any thread. A new descriptor of this same file (opened beneath the
      // root as at first), or an invalid one when the path now names
      // another file (swapped, rewritten) or none: what a response queued
      // behind another file opens in its turn.
      [[nodiscard]] UniqueFd reopen() const;
    };
    std::shared_ptr<const Origin> origin;

    // Any thread: origin->reopen().
    [[nodiscard]] UniqueFd reopen() const { return origin->reopen(); }

    // A whole response to this file that its server keeps (status line,
    // headers and body in one descriptor, so that one sendfile sends it),
    // for one second of its Date. The only mutable part of a File, hence
    // its own mutex; it goes when the entry goes (the file changed, or was
    // evicted), so it is never staler than the entry itself.
    struct Prebuilt {
      time_t second = 0;  // the Date in it
      std::shared_ptr<const UniqueFd> fd;
      size_t length = 0;  // of the whole response
      // The header lines in it (HttpResponse::headerLines()): a response
      // whose own differ (a header its server added before the handler, a
      // request id say) is not this one, and must not go out as it.
      std::string headerLines;
    };
    mutable Mutex prebuiltMutex;
    mutable std::shared_ptr<const Prebuilt> prebuilt ABSL_GUARDED_BY(prebuiltMutex);
    // Requests for the file in `usesSecond`, which decide whether building
    // one is worth it.
    mutable time_t usesSecond ABSL_GUARDED_BY(prebuiltMutex) = 0;
    mutable uint32_t uses ABSL_GUARDED_BY(prebuiltMutex) = 0;
  };
  using FilePtr = std::shared_ptr<const File>;

  // Files are opened beneath the directory `root`.
  OpenFileCache(std::shared_ptr<const UniqueFd> root, Options options);
  OpenFileCache(const OpenFileCache&) = delete;
  OpenFileCache& operator=(const OpenFileCache&) = delete;

  // Any thread. The file at `relative` (as OpenBeneath takes it), from the
  // cache when its entry is fresh; nullptr with *error set to the errno of
  // the failed open or stat otherwise.
  [[nodiscard]] FilePtr lookup(const std::string& relative, int* error);

  // Any thread. Snapshots, for tests and status pages.
  struct Stats {
    size_t entries = 0;
    size_t openFiles = 0;
    size_t bytesInMemory = 0;
    uint64_t hits = 0;
    uint64_t misses = 0;  // opened: not cached, or checked again
  };
  [[nodiscard]] Stats stats() const;

  [[nodiscard]] static std::string formatHttpDate(time_t t);

 private:
  struct Entry {
    std::string key;
    FilePtr file;
    Clock::time_point checkedAt;
  };
  using Lru = std::list<Entry>;  // most recently used first

  [[nodiscard]] Clock::time_point now() const {
    return options_.clock ? options_.clock() : Clock::now();
  }
  // Opens and describes `relative`; with `previous` (an entry being checked
  // again) an unchanged file keeps the previous contents or descriptor.
  [[nodiscard]] FilePtr load(const std::string& relative, const FilePtr& previous,
                             int* error) const;
  void insert(const std::string& relative, FilePtr file, Clock::time_point checkedAt);
  void eraseLocked(Lru::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  [[nodiscard]] bool overLimitsLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const std::shared_ptr<const UniqueFd> root_;
  const Options options_;
  mutable Mutex mutex_;
  Lru lru_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<std::string_view, Lru::iterator> index_ ABSL_GUARDED_BY(mutex_);
  size_t openFiles_ ABSL_GUARDED_BY(mutex_) = 0;
  size_t bytesInMemory_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t hits_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t misses_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_HTTP_OPENFILECACHE_H_
