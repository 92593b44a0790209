// UniqueFd: sole owner of one file descriptor, closed when the owner goes.
//
// Descriptors change hands as a UniqueFd, never as a bare int, so each one
// has exactly one owner at every moment and no path can leak or double-close
// it. Move-only, like std::unique_ptr; get() lends the number for a system
// call without giving up ownership.
//
// Thread safety: a value type; one thread at a time, as for any object.
#ifndef MUDUO_BASE_UNIQUEFD_H_
#define MUDUO_BASE_UNIQUEFD_H_

#include <utility>

namespace muduo {

class UniqueFd {
 public:
  UniqueFd() = default;
  // Takes ownership of `fd`; a negative value means "none".
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }

  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }

  // Gives up ownership without closing; the caller now owns the result.
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }
  // Closes the current descriptor (if any) and owns `fd` instead.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

}  // namespace muduo

#endif  // MUDUO_BASE_UNIQUEFD_H_
