// Env::posix(): the Env over the real file system. Its file classes live
// here, unnamed, because nothing outside needs more than the interfaces.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "services/kv/Env.h"

namespace muduo::kv {
namespace {

absl::Status ioError(const char* what, const std::string& path, int err) {
  if (err == ENOENT) return absl::NotFoundError(absl::StrCat(what, " ", path, ": ", strerror(err)));
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", strerror(err)));
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  absl::Status append(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return ioError("cannot write", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
      size_ += static_cast<uint64_t>(n);
    }
    return absl::OkStatus();
  }

  absl::Status reserve(uint64_t end) override {
    // Real zeros, not fallocate(2): writing into unwritten extents converts
    // them, a journalled metadata change in the very syncs this is meant to
    // spare. pwrite(2) leaves the offset the next append() writes at.
    // The length is asked for, not remembered: Env::truncate() may have cut
    // the file through another descriptor.
    static const char kZeros[64 << 10] = {};
    struct stat st;
    if (::fstat(fd_, &st) != 0) return ioError("cannot stat", path_, errno);
    uint64_t at = std::max(static_cast<uint64_t>(st.st_size), size_);
    while (at < end) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(end - at, sizeof kZeros));
      const ssize_t written = ::pwrite(fd_, kZeros, n, static_cast<off_t>(at));
      if (written < 0) {
        if (errno == EINTR) continue;
        return ioError("cannot reserve space in", path_, errno);
      }
      at += static_cast<uint64_t>(written);
    }
    return absl::OkStatus();
  }

  absl::Status sync() override {
    while (::fdatasync(fd_) != 0) {
      if (errno != EINTR) return ioError("cannot sync", path_, errno);
    }
    return absl::OkStatus();
  }

  absl::Status close() override {
    const int fd = fd_;
    fd_ = -1;
    if (fd >= 0 && ::close(fd) != 0 && errno != EINTR) {
      return ioError("cannot close", path_, errno);
    }
    return absl::OkStatus();
  }

  uint64_t size() const override { return size_; }
  const std::string& path() const override { return path_; }

 private:
  const std::string path_;
  int fd_;
  uint64_t size_;
};

// The file mapped read-only: replay reads records in place, no copy.
class MappedFile final : public ReadableFile {
 public:
  MappedFile(const char* data, size_t size) : data_(data), size_(size) {}
  ~MappedFile() override {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
  }
  std::string_view data() const override { return std::string_view(data_, size_); }

 private:
  const char* const data_;  // nullptr for an empty file
  const size_t size_;
};

class FlockLock final : public Env::Lock {
 public:
  explicit FlockLock(int fd) : fd_(fd) {}
  ~FlockLock() override { ::close(fd_); }

 private:
  const int fd_;
};

class PosixEnv final : public Env {
 public:
  absl::StatusOr<std::unique_ptr<WritableFile>> openWritable(const std::string& path,
                                                             WritableFile::Mode mode) override {
    const int flags =
        O_WRONLY | O_CLOEXEC | O_CREAT | (mode == WritableFile::Mode::kCreateNew ? O_EXCL : 0);
    const int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return ioError("cannot open", path, errno);
    const off_t end = ::lseek(fd, 0, SEEK_END);
    if (end < 0) {
      const int err = errno;
      ::close(fd);
      return ioError("cannot seek", path, err);
    }
    return std::make_unique<PosixWritableFile>(path, fd, static_cast<uint64_t>(end));
  }

  absl::StatusOr<std::unique_ptr<ReadableFile>> openReadable(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ioError("cannot open", path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return ioError("cannot stat", path, err);
    }
    const auto size = static_cast<size_t>(st.st_size);
    const char* data = nullptr;
    if (size > 0) {
      void* mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (mapped == MAP_FAILED) {
        const int err = errno;
        ::close(fd);
        return ioError("cannot map", path, err);
      }
      // Replay reads front to back once: read ahead aggressively.
      ::madvise(mapped, size, MADV_SEQUENTIAL);
      ::madvise(mapped, size, MADV_WILLNEED);
      data = static_cast<const char*>(mapped);
    }
    ::close(fd);  // the mapping keeps the file's pages
    return std::make_unique<MappedFile>(data, size);
  }

  absl::StatusOr<std::vector<std::string>> listDir(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return ioError("cannot list", dir, errno);
    std::vector<std::string> names;
    while (struct dirent* entry = ::readdir(d)) {
      const std::string_view name = entry->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    ::closedir(d);
    return names;
  }

  absl::Status createDir(const std::string& path) override {
    for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
      const std::string prefix = path.substr(0, slash);
      if (!prefix.empty() && ::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
        return ioError("cannot create directory", prefix, errno);
      }
      if (slash == std::string::npos) break;
    }
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ioError("cannot stat", path, errno);
    if (!S_ISDIR(st.st_mode)) return absl::FailedPreconditionError(path + " is not a directory");
    return absl::OkStatus();
  }

  absl::Status rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return ioError("cannot rename", from + " to " + to, errno);
    }
    return absl::OkStatus();
  }

  absl::Status remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return ioError("cannot remove", path, errno);
    }
    return absl::OkStatus();
  }

  absl::Status truncate(const std::string& path, uint64_t size) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return ioError("cannot open", path, errno);
    int rc = ::ftruncate(fd, static_cast<off_t>(size));
    if (rc == 0) rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return ioError("cannot truncate", path, err);
    return absl::OkStatus();
  }

  absl::Status syncDir(const std::string& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ioError("cannot open", dir, errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return ioError("cannot sync", dir, err);
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Lock>> lockFile(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return ioError("cannot open", path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return absl::FailedPreconditionError(absl::StrCat(path, " is locked by another process"));
      }
      return ioError("cannot lock", path, err);
    }
    return std::make_unique<FlockLock>(fd);
  }
};

}  // namespace

Env* Env::posix() {
  static Env* const env = new PosixEnv;
  return env;
}

}  // namespace muduo::kv
