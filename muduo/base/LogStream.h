// LogStream: an ostream-like formatter that writes into a fixed buffer.
//
// No iostream, no locale, no allocation: one log line is formatted into a
// buffer on the stack of the thread that logs, then handed whole to the
// output function. Text that does not fit is truncated, never reallocated.
//
// Thread safety: a LogStream (and a FixedBuffer) belongs to one thread.
#ifndef MUDUO_BASE_LOGSTREAM_H_
#define MUDUO_BASE_LOGSTREAM_H_

#include <charconv>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace muduo {

inline constexpr size_t kSmallBuffer = 4000;         // one log line
inline constexpr size_t kLargeBuffer = 4000 * 1000;  // one AsyncLogging buffer

template <size_t kSize>
class FixedBuffer {
 public:
  FixedBuffer() = default;  // data_ stays uninitialised: filling 4 MB per buffer is waste
  FixedBuffer(const FixedBuffer&) = delete;
  FixedBuffer& operator=(const FixedBuffer&) = delete;

  // Copies as much of [data, data + len) as fits.
  void append(const char* data, size_t len) {
    const size_t n = len < avail() ? len : avail();
    memcpy(cur_, data, n);
    cur_ += n;
  }

  [[nodiscard]] const char* data() const { return data_; }
  [[nodiscard]] size_t length() const { return static_cast<size_t>(cur_ - data_); }
  [[nodiscard]] size_t avail() const { return static_cast<size_t>(end() - cur_); }
  [[nodiscard]] static constexpr size_t capacity() { return kSize; }

  // Direct access for formatters that write in place, then add().
  [[nodiscard]] char* current() { return cur_; }
  void add(size_t len) { cur_ += len; }
  void reset() { cur_ = data_; }

  [[nodiscard]] std::string_view view() const { return std::string_view(data_, length()); }
  [[nodiscard]] std::string toString() const { return std::string(data_, length()); }

 private:
  const char* end() const { return data_ + kSize; }

  char data_[kSize];
  char* cur_ = data_;
};

class LogStream {
 public:
  using Buffer = FixedBuffer<kSmallBuffer>;

  LogStream() = default;
  LogStream(const LogStream&) = delete;
  LogStream& operator=(const LogStream&) = delete;

  LogStream& operator<<(bool v) { return *this << (v ? std::string_view("true") : "false"); }
  LogStream& operator<<(char v) {
    buffer_.append(&v, 1);
    return *this;
  }

  // Every integer type except char and bool, through one to_chars path.
  template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>) LogStream&
  operator<<(T v) {
    formatNumber(v);
    return *this;
  }

  LogStream& operator<<(float v) { return *this << static_cast<double>(v); }
  LogStream& operator<<(double v) {
    formatNumber(v);
    return *this;
  }

  // Pointers print as 0x-prefixed hex; char pointers print as text.
  LogStream& operator<<(const void* p);
  LogStream& operator<<(const char* s) {
    return *this << (s != nullptr ? std::string_view(s) : std::string_view("(null)"));
  }
  LogStream& operator<<(std::string_view s) {
    buffer_.append(s.data(), s.size());
    return *this;
  }
  LogStream& operator<<(const std::string& s) { return *this << std::string_view(s); }

  void append(const char* data, size_t len) { buffer_.append(data, len); }
  [[nodiscard]] const Buffer& buffer() const { return buffer_; }
  [[nodiscard]] Buffer& buffer() { return buffer_; }
  void resetBuffer() { buffer_.reset(); }

 private:
  template <typename T>
  void formatNumber(T v) {
    // Writes only if the whole number fits: a half-printed number misleads.
    char* first = buffer_.current();
    const auto [ptr, ec] = std::to_chars(first, first + buffer_.avail(), v);
    if (ec == std::errc()) buffer_.add(static_cast<size_t>(ptr - first));
  }

  Buffer buffer_;
};

}  // namespace muduo

#endif  // MUDUO_BASE_LOGSTREAM_H_
