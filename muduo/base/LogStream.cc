#include "muduo/base/LogStream.h"

#include <cstdint>

namespace muduo {

LogStream& LogStream::operator<<(const void* p) {
  char* first = buffer_.current();
  if (buffer_.avail() < 2 + 2 * sizeof(uintptr_t)) return *this;
  first[0] = '0';
  first[1] = 'x';
  const auto [ptr, ec] =
      std::to_chars(first + 2, first + buffer_.avail(), reinterpret_cast<uintptr_t>(p), 16);
  if (ec == std::errc()) buffer_.add(static_cast<size_t>(ptr - first));
  return *this;
}

}  // namespace muduo
