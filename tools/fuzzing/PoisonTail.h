// PoisonTail: while it lives, marks a Buffer's writable area (every byte past
// the readable ones) unaddressable for AddressSanitizer, so a parser that
// reads beyond what it was given is reported as a heap-buffer-overflow
// instead of reading stale bytes silently. Without ASan it does nothing.
//
// The Buffer must not be written to, moved or destroyed while it lives.
#ifndef TOOLS_FUZZING_POISONTAIL_H_
#define TOOLS_FUZZING_POISONTAIL_H_

#include <cstddef>

#include "muduo/net/Buffer.h"

extern "C" void __asan_poison_memory_region(const volatile void* addr, size_t size)
    __attribute__((weak));
extern "C" void __asan_unpoison_memory_region(const volatile void* addr, size_t size)
    __attribute__((weak));

namespace muduo::fuzzing {

class PoisonTail {
 public:
  explicit PoisonTail(net::Buffer* buf) : begin_(buf->beginWrite()), size_(buf->writableBytes()) {
    // Before its first write a Buffer points at shared static storage: leave that alone.
    if (__asan_poison_memory_region != nullptr && buf->capacity() > net::Buffer::kCheapPrepend) {
      __asan_poison_memory_region(begin_, size_);
    } else {
      size_ = 0;
    }
  }
  ~PoisonTail() {
    if (size_ > 0) __asan_unpoison_memory_region(begin_, size_);
  }
  PoisonTail(const PoisonTail&) = delete;
  PoisonTail& operator=(const PoisonTail&) = delete;

 private:
  char* begin_;
  size_t size_;
};

}  // namespace muduo::fuzzing

#endif  // TOOLS_FUZZING_POISONTAIL_H_
