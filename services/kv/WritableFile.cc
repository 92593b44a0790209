#include "services/kv/WritableFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace muduo::kv {
namespace {

absl::Status ioError(const char* what, const std::string& path, int err) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", strerror(err)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<WritableFile>> WritableFile::open(const std::string& path,
                                                                 Mode mode) {
  const int flags = O_WRONLY | O_CLOEXEC | O_CREAT | (mode == Mode::kCreateNew ? O_EXCL : 0);
  const int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return ioError("cannot open", path, errno);
  const off_t end = ::lseek(fd, 0, SEEK_END);
  if (end < 0) {
    const int err = errno;
    ::close(fd);
    return ioError("cannot seek", path, err);
  }
  return std::unique_ptr<WritableFile>(new WritableFile(path, fd, static_cast<uint64_t>(end)));
}

WritableFile::~WritableFile() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status WritableFile::append(std::string_view data) {
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

absl::Status WritableFile::sync() {
  while (::fdatasync(fd_) != 0) {
    if (errno != EINTR) return ioError("cannot sync", path_, errno);
  }
  return absl::OkStatus();
}

absl::Status WritableFile::close() {
  const int fd = fd_;
  fd_ = -1;
  if (fd >= 0 && ::close(fd) != 0 && errno != EINTR) return ioError("cannot close", path_, errno);
  return absl::OkStatus();
}

}  // namespace muduo::kv
