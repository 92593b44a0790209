#include "muduo/net/http/OpenFileCache.h"

#include <unistd.h>

#include <cerrno>

#include "muduo/net/http/OpenBeneath.h"

namespace muduo::net {

namespace {

// Reads exactly `size` bytes from the start of `fd`; false when the file
// ended early or a read failed.
bool readAll(int fd, size_t size, std::string* out) {
  out->resize(size);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out->data() + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

std::string OpenFileCache::formatHttpDate(time_t t) {
  struct tm tm;
  ::gmtime_r(&t, &tm);
  char buf[64];
  const size_t n = ::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

UniqueFd OpenFileCache::File::Origin::reopen() const {
  UniqueFd reopened = openBeneath(root->get(), relative);
  struct stat now;
  if (!reopened.valid() || ::fstat(reopened.get(), &now) != 0 || !identity.matches(now)) {
    return UniqueFd();
  }
  return reopened;
}

OpenFileCache::OpenFileCache(std::shared_ptr<const UniqueFd> root, Options options)
    : root_(std::move(root)), options_(std::move(options)) {}

OpenFileCache::FilePtr OpenFileCache::lookup(const std::string& relative, int* error) {
  FilePtr previous;
  const Clock::time_point t = now();
  {
    MutexLock lock(&mutex_);
    const auto found = index_.find(std::string_view(relative));
    if (found != index_.end()) {
      Lru::iterator it = found->second;
      if (t - it->checkedAt < options_.validity) {
        lru_.splice(lru_.begin(), lru_, it);
        ++hits_;
        return it->file;
      }
      previous = it->file;
    }
    ++misses_;
  }
  FilePtr file = load(relative, previous, error);
  if (file == nullptr) {
    // Gone or no longer allowed: forget what we knew.
    MutexLock lock(&mutex_);
    const auto found = index_.find(std::string_view(relative));
    if (found != index_.end()) eraseLocked(found->second);
    return nullptr;
  }
  if (options_.maxEntries > 0) insert(relative, file, t);
  return file;
}

OpenFileCache::FilePtr OpenFileCache::load(const std::string& relative, const FilePtr& previous,
                                           int* error) const {
  UniqueFd fd = openBeneath(root_->get(), relative);
  struct stat st;
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0) {
    *error = errno;
    return nullptr;
  }
  // Unchanged: keep what we had (the fresh descriptor closes here).
  if (previous != nullptr && previous->identity.matches(st)) return previous;
  auto file = std::make_shared<File>();
  file->identity = Identity(st);
  file->origin =
      std::make_shared<const File::Origin>(File::Origin{root_, relative, file->identity});
  if (S_ISDIR(st.st_mode)) {
    file->kind = File::Kind::kDirectory;
    return file;
  }
  if (!S_ISREG(st.st_mode)) return file;  // kOther: never served
  file->kind = File::Kind::kRegular;
  file->lastModified = formatHttpDate(st.st_mtime);
  const auto size = static_cast<size_t>(st.st_size);
  if (options_.maxEntries > 0 && size <= options_.maxFileBytesInMemory &&
      size <= options_.maxBytesInMemory) {
    auto contents = std::make_shared<std::string>();
    struct stat after;
    // A file written while we read is not kept in memory: what we read may
    // be torn. The descriptor serves it instead, as without a cache.
    if (readAll(fd.get(), size, contents.get()) && ::fstat(fd.get(), &after) == 0 &&
        file->identity.matches(after)) {
      file->contents = std::move(contents);
      return file;
    }
  }
  file->fd = std::move(fd);
  return file;
}

void OpenFileCache::insert(const std::string& relative, FilePtr file, Clock::time_point checkedAt) {
  const size_t bytes = file->contents != nullptr ? file->contents->size() : 0;
  const size_t fds = file->fd.valid() ? 1 : 0;
  // Alone over a limit: served, not kept.
  if (bytes > options_.maxBytesInMemory || fds > options_.maxOpenFiles) return;
  MutexLock lock(&mutex_);
  const auto found = index_.find(std::string_view(relative));
  if (found != index_.end()) eraseLocked(found->second);
  lru_.push_front(Entry{relative, std::move(file), checkedAt});
  index_.emplace(std::string_view(lru_.front().key), lru_.begin());
  bytesInMemory_ += bytes;
  openFiles_ += fds;
  while (overLimitsLocked()) eraseLocked(std::prev(lru_.end()));
}

bool OpenFileCache::overLimitsLocked() const {
  return lru_.size() > options_.maxEntries || openFiles_ > options_.maxOpenFiles ||
         bytesInMemory_ > options_.maxBytesInMemory;
}

void OpenFileCache::eraseLocked(Lru::iterator it) {
  if (it->file->contents != nullptr) bytesInMemory_ -= it->file->contents->size();
  if (it->file->fd.valid()) --openFiles_;
  index_.erase(std::string_view(it->key));
  lru_.erase(it);
}

OpenFileCache::Stats OpenFileCache::stats() const {
  MutexLock lock(&mutex_);
  return Stats{lru_.size(), openFiles_, bytesInMemory_, hits_, misses_};
}

}  // namespace muduo::net
