// AppendFile: a file opened for appending through a large stdio buffer,
// written with the unlocked stdio calls.
//
// Thread safety: none; one thread at a time (LogFile serialises its callers).
#ifndef MUDUO_BASE_FILEUTIL_H_
#define MUDUO_BASE_FILEUTIL_H_

#include <cstdio>
#include <memory>
#include <string>

namespace muduo {

class AppendFile {
 public:
  // Opens (creating if needed) `path` for appending, close-on-exec. Check ok().
  explicit AppendFile(const std::string& path);
  ~AppendFile();
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;

  [[nodiscard]] bool ok() const { return fp_ != nullptr; }
  // Writes everything or reports the error once on stderr; a full disk must
  // not take the process down with it.
  void append(const char* data, size_t len);
  void flush();
  [[nodiscard]] size_t writtenBytes() const { return writtenBytes_; }

 private:
  static constexpr size_t kBufferSize = 64 * 1024;

  FILE* fp_;
  std::unique_ptr<char[]> buffer_;
  size_t writtenBytes_ = 0;
  bool reportedError_ = false;
};

}  // namespace muduo

#endif  // MUDUO_BASE_FILEUTIL_H_
