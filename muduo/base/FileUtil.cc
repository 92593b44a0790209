#include "muduo/base/FileUtil.h"

#include <cerrno>
#include <cstring>

namespace muduo {

AppendFile::AppendFile(const std::string& path)
    : fp_(::fopen(path.c_str(), "ae")), buffer_(new char[kBufferSize]) {
  if (fp_ == nullptr) {
    // Logging cannot log its own failure; stderr is the last resort.
    fprintf(stderr, "AppendFile: cannot open %s: %s\n", path.c_str(), strerror(errno));
    return;
  }
  ::setbuffer(fp_, buffer_.get(), kBufferSize);
}

AppendFile::~AppendFile() {
  if (fp_ != nullptr) ::fclose(fp_);
}

void AppendFile::append(const char* data, size_t len) {
  if (fp_ == nullptr) return;
  size_t written = 0;
  while (written < len) {
    const size_t n = ::fwrite_unlocked(data + written, 1, len - written, fp_);
    if (n == 0) {
      const int err = errno;
      if (::ferror(fp_) != 0 && !reportedError_) {
        fprintf(stderr, "AppendFile: write failed: %s\n", strerror(err));
        reportedError_ = true;
      }
      break;
    }
    written += n;
  }
  writtenBytes_ += written;
}

void AppendFile::flush() {
  if (fp_ != nullptr) ::fflush(fp_);
}

}  // namespace muduo
