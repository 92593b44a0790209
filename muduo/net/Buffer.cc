#include "muduo/net/Buffer.h"

#include <errno.h>
#include <sys/uio.h>

namespace muduo::net {

char Buffer::emptyStorage_[kCheapPrepend];

namespace {
constexpr char kCRLF[] = "\r\n";
constexpr size_t kSpillSize = 64 * 1024;
}  // namespace

const char* Buffer::findCRLF(const char* start) const {
  assert(peek() <= start && start <= beginWrite());
  const char* crlf = std::search(start, beginWrite(), kCRLF, kCRLF + 2);
  return crlf == beginWrite() ? nullptr : crlf;
}

const char* Buffer::findEOL(const char* start) const {
  assert(peek() <= start && start <= beginWrite());
  const void* eol = memchr(start, '\n', static_cast<size_t>(beginWrite() - start));
  return static_cast<const char*>(eol);
}

void Buffer::makeSpace(size_t len) {
  const size_t readable = readableBytes();
  if (allocated() && writableBytes() + prependableBytes() >= len + kCheapPrepend) {
    // Enough room in total: slide the readable bytes to the front instead of
    // growing, so a steadily consumed buffer keeps its size.
    memmove(data_ + kCheapPrepend, data_ + readerIndex_, readable);
  } else {
    // Grow geometrically so a stream of appends costs amortised O(1).
    const size_t needed = kCheapPrepend + readable + len;
    size_t newCapacity = std::max(needed, kCheapPrepend + initialSize_);
    if (allocated()) newCapacity = std::max(newCapacity, capacity_ * 2);
    char* fresh = new char[newCapacity];  // deliberately not zero-filled
    if (readable > 0) memcpy(fresh + kCheapPrepend, data_ + readerIndex_, readable);
    release();
    data_ = fresh;
    capacity_ = newCapacity;
  }
  readerIndex_ = kCheapPrepend;
  writerIndex_ = kCheapPrepend + readable;
}

void Buffer::own() {
  const size_t readable = readableBytes();
  if (readable == 0) {
    release();
    readerIndex_ = writerIndex_ = kCheapPrepend;
    return;
  }
  const size_t newCapacity = kCheapPrepend + std::max<size_t>(readable, initialSize_);
  char* fresh = new char[newCapacity];
  memcpy(fresh + kCheapPrepend, peek(), readable);
  release();
  data_ = fresh;
  capacity_ = newCapacity;
  readerIndex_ = kCheapPrepend;
  writerIndex_ = kCheapPrepend + readable;
}

void Buffer::ownBoth(Buffer& other) {
  if (other.borrowed_ && !borrowed_) {
    other.ownBoth(*this);
    return;
  }
  const size_t readable = readableBytes();
  if (borrowed_ && !other.borrowed_ && other.readableBytes() == 0 && other.allocated() &&
      other.capacity_ >= kCheapPrepend + readable) {
    // An echo handing its lent input to an empty output buffer: the bytes
    // go into the other's storage, which then comes back with them in the
    // swap. One copy and no allocation.
    memcpy(other.data_ + kCheapPrepend, peek(), readable);
    data_ = other.data_;
    capacity_ = other.capacity_;
    readerIndex_ = kCheapPrepend;
    writerIndex_ = kCheapPrepend + readable;
    borrowed_ = false;
    other.data_ = emptyStorage_;
    other.capacity_ = kCheapPrepend;
    other.readerIndex_ = other.writerIndex_ = kCheapPrepend;
    return;
  }
  if (borrowed_) own();
  if (other.borrowed_) other.own();
}

void Buffer::shrink(size_t reserve) {
  const size_t readable = readableBytes();
  if (readable == 0 && reserve == 0) {
    release();
    readerIndex_ = writerIndex_ = kCheapPrepend;
    return;
  }
  const size_t newCapacity = kCheapPrepend + readable + reserve;
  if (allocated() && newCapacity >= capacity_) return;
  char* fresh = new char[newCapacity];
  if (readable > 0) memcpy(fresh + kCheapPrepend, peek(), readable);
  release();
  data_ = fresh;
  capacity_ = newCapacity;
  readerIndex_ = kCheapPrepend;
  writerIndex_ = kCheapPrepend + readable;
}

ssize_t Buffer::readFd(int fd, int* savedErrno) {
  // Uninitialised on purpose: readv writes before anything reads it.
  char spill[kSpillSize];
  struct iovec vec[2];
  const size_t writable = writableBytes();
  vec[0].iov_base = beginWrite();
  vec[0].iov_len = writable;
  vec[1].iov_base = spill;
  vec[1].iov_len = sizeof spill;
  // With 64 KiB or more of our own space, the spill area adds nothing.
  const int iovcnt = writable < sizeof spill ? 2 : 1;
  const ssize_t n = ::readv(fd, vec, iovcnt);
  if (n < 0) {
    *savedErrno = errno;
  } else if (static_cast<size_t>(n) <= writable) {
    writerIndex_ += static_cast<size_t>(n);
  } else {
    writerIndex_ = capacity_;
    append(spill, static_cast<size_t>(n) - writable);
  }
  return n;
}

}  // namespace muduo::net
