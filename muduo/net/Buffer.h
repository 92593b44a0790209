// Buffer: a byte buffer with a cheap prepend area, for network I/O.
//
//   +-------------------+------------------+------------------+
//   | prependable bytes |  readable bytes  |  writable bytes  |
//   +-------------------+------------------+------------------+
//   0      <=      readerIndex   <=   writerIndex    <=    capacity
//
// A codec can append a body first and then prepend its header into the
// prependable area without moving the body. The area is kCheapPrepend bytes,
// enough for the 12-byte RPC frame header.
//
// Storage is allocated lazily on the first write, so an idle connection's
// buffers cost no heap memory, and it is never zero-filled.
//
// A Buffer may be lent bytes it does not own for a while (see BufferLoan);
// every member works the same on them, and a Buffer never frees them.
//
// Not thread-safe: a Buffer belongs to one thread at a time (a TcpConnection's
// buffers to its loop thread).
#ifndef MUDUO_NET_BUFFER_H_
#define MUDUO_NET_BUFFER_H_

#include <endian.h>

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace muduo::net {

class Buffer {
 public:
  static constexpr size_t kCheapPrepend = 16;
  static constexpr size_t kInitialSize = 1024;

  // `initialSize` is the writable space reserved at the first write.
  explicit Buffer(size_t initialSize = kInitialSize)
      : initialSize_(static_cast<uint32_t>(initialSize)) {}
  ~Buffer() { release(); }
  Buffer(Buffer&& other) noexcept { swap(other); }
  Buffer& operator=(Buffer&& other) noexcept {
    Buffer(std::move(other)).swap(*this);
    return *this;
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  void swap(Buffer& other) noexcept {
    // Lent bytes must not leave with the storage: the lender takes it back.
    if (borrowed_ || other.borrowed_) [[unlikely]]
      ownBoth(other);
    std::swap(data_, other.data_);
    std::swap(capacity_, other.capacity_);
    std::swap(readerIndex_, other.readerIndex_);
    std::swap(writerIndex_, other.writerIndex_);
    std::swap(initialSize_, other.initialSize_);
  }

  [[nodiscard]] size_t readableBytes() const { return writerIndex_ - readerIndex_; }
  [[nodiscard]] size_t writableBytes() const { return capacity_ - writerIndex_; }
  [[nodiscard]] size_t prependableBytes() const { return readerIndex_; }
  [[nodiscard]] size_t capacity() const { return capacity_; }

  // Start of the readable bytes. Valid until the next non-const call.
  [[nodiscard]] const char* peek() const { return data_ + readerIndex_; }
  [[nodiscard]] std::string_view view() const { return {peek(), readableBytes()}; }

  [[nodiscard]] const char* findCRLF() const { return findCRLF(peek()); }
  [[nodiscard]] const char* findCRLF(const char* start) const;
  [[nodiscard]] const char* findEOL() const { return findEOL(peek()); }
  [[nodiscard]] const char* findEOL(const char* start) const;

  void retrieve(size_t len) {
    assert(len <= readableBytes());
    if (len < readableBytes()) {
      readerIndex_ += len;
    } else {
      retrieveAll();
    }
  }
  void retrieveUntil(const char* end) {
    assert(peek() <= end && end <= beginWrite());
    retrieve(static_cast<size_t>(end - peek()));
  }
  void retrieveAll() {
    readerIndex_ = kCheapPrepend;
    writerIndex_ = kCheapPrepend;
  }
  void retrieveInt64() { retrieve(sizeof(int64_t)); }
  void retrieveInt32() { retrieve(sizeof(int32_t)); }
  void retrieveInt16() { retrieve(sizeof(int16_t)); }
  void retrieveInt8() { retrieve(sizeof(int8_t)); }

  [[nodiscard]] std::string retrieveAllAsString() { return retrieveAsString(readableBytes()); }
  [[nodiscard]] std::string retrieveAsString(size_t len) {
    assert(len <= readableBytes());
    std::string result(peek(), len);
    retrieve(len);
    return result;
  }

  void append(std::string_view data) { append(data.data(), data.size()); }
  void append(const void* data, size_t len) {
    ensureWritableBytes(len);
    if (len > 0) memcpy(beginWrite(), data, len);
    hasWritten(len);
  }

  void ensureWritableBytes(size_t len) {
    if (writableBytes() < len) makeSpace(len);
    assert(writableBytes() >= len);
  }
  [[nodiscard]] char* beginWrite() { return data_ + writerIndex_; }
  [[nodiscard]] const char* beginWrite() const { return data_ + writerIndex_; }
  void hasWritten(size_t len) {
    assert(len <= writableBytes());
    writerIndex_ += len;
  }
  void unwrite(size_t len) {
    assert(len <= readableBytes());
    writerIndex_ -= len;
  }

  // Integers in network byte order.
  void appendInt64(int64_t x) { appendBigEndian(htobe64(static_cast<uint64_t>(x))); }
  void appendInt32(int32_t x) { appendBigEndian(htobe32(static_cast<uint32_t>(x))); }
  void appendInt16(int16_t x) { appendBigEndian(htobe16(static_cast<uint16_t>(x))); }
  void appendInt8(int8_t x) { append(&x, sizeof x); }

  [[nodiscard]] int64_t readInt64() {
    const int64_t result = peekInt64();
    retrieveInt64();
    return result;
  }
  [[nodiscard]] int32_t readInt32() {
    const int32_t result = peekInt32();
    retrieveInt32();
    return result;
  }
  [[nodiscard]] int16_t readInt16() {
    const int16_t result = peekInt16();
    retrieveInt16();
    return result;
  }
  [[nodiscard]] int8_t readInt8() {
    const int8_t result = peekInt8();
    retrieveInt8();
    return result;
  }

  [[nodiscard]] int64_t peekInt64() const {
    return static_cast<int64_t>(be64toh(peekRaw<uint64_t>()));
  }
  [[nodiscard]] int32_t peekInt32() const {
    return static_cast<int32_t>(be32toh(peekRaw<uint32_t>()));
  }
  [[nodiscard]] int16_t peekInt16() const {
    return static_cast<int16_t>(be16toh(peekRaw<uint16_t>()));
  }
  [[nodiscard]] int8_t peekInt8() const { return peekRaw<int8_t>(); }

  void prependInt64(int64_t x) { prependBigEndian(htobe64(static_cast<uint64_t>(x))); }
  void prependInt32(int32_t x) { prependBigEndian(htobe32(static_cast<uint32_t>(x))); }
  void prependInt16(int16_t x) { prependBigEndian(htobe16(static_cast<uint16_t>(x))); }
  void prependInt8(int8_t x) { prepend(&x, sizeof x); }
  void prepend(const void* data, size_t len) {
    assert(len <= prependableBytes());
    if (!allocated()) makeSpace(0);
    readerIndex_ -= len;
    memcpy(data_ + readerIndex_, data, len);
  }

  // Releases memory beyond the readable bytes plus `reserve`; an empty buffer
  // with no reserve frees its storage entirely (an idle connection's state).
  void shrink(size_t reserve);

  // Reads from fd with one readv: into the writable space and a 64 KiB stack
  // spill area, so one call drains a socket without a large resident buffer.
  // Returns what read(2) returns; on error *savedErrno holds errno.
  ssize_t readFd(int fd, int* savedErrno);

 private:
  friend class BufferLoan;

  void makeSpace(size_t len);
  // Gives this buffer and `other` storage of their own for lent bytes.
  void ownBoth(Buffer& other);
  // Copies lent bytes into storage of our own.
  void own();
  // Storage of our own or lent (not the shared empty block).
  [[nodiscard]] bool allocated() const { return data_ != emptyStorage_; }
  void release() {
    if (allocated() && !borrowed_) delete[] data_;
    data_ = emptyStorage_;
    capacity_ = kCheapPrepend;
    borrowed_ = false;
  }

  template <typename T>
  void appendBigEndian(T x) {
    append(&x, sizeof x);
  }
  template <typename T>
  void prependBigEndian(T x) {
    prepend(&x, sizeof x);
  }
  template <typename T>
  T peekRaw() const {
    assert(readableBytes() >= sizeof(T));
    T x;
    memcpy(&x, peek(), sizeof x);
    return x;
  }

  // Until the first write, data_ points at a shared, never-written block the
  // size of the prepend area, so the hot paths need no null checks: every
  // writer goes through makeSpace() first.
  static char emptyStorage_[kCheapPrepend];

  char* data_ = emptyStorage_;
  size_t capacity_ = kCheapPrepend;
  size_t readerIndex_ = kCheapPrepend;
  size_t writerIndex_ = kCheapPrepend;
  // uint32_t beside the flag keeps a Buffer at five words.
  uint32_t initialSize_ = kInitialSize;
  // data_ is lent (BufferLoan): never freed here, and taken along by no swap.
  bool borrowed_ = false;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_BUFFER_H_
