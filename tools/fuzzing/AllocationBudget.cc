#include "tools/fuzzing/AllocationBudget.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>

// Part of every sanitizer runtime's public interface; absent (null) otherwise.
extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*mallocHook)(const volatile void*,
                                                                            size_t),
                                                         void (*freeHook)(const volatile void*))
    __attribute__((weak));

namespace muduo::fuzzing {
namespace {

std::atomic<size_t> gAllocated{0};

void onMalloc(const volatile void*, size_t size) {
  gAllocated.fetch_add(size, std::memory_order_relaxed);
}

void onFree(const volatile void*) {}

bool installHooks() {
  if (__sanitizer_install_malloc_and_free_hooks == nullptr) return false;
  return __sanitizer_install_malloc_and_free_hooks(onMalloc, onFree) != 0;
}

}  // namespace

bool AllocationBudget::counting() {
  static const bool installed = installHooks();
  return installed;
}

AllocationBudget::AllocationBudget() : start_(counting() ? gAllocated.load() : 0) {}

AllocationBudget::~AllocationBudget() = default;

size_t AllocationBudget::allocated() const { return gAllocated.load() - start_; }

void AllocationBudget::check(size_t inputSize, size_t perByte, size_t constant) const {
  if (!counting()) return;
  size_t used = allocated();
  size_t limit = perByte * inputSize + constant;
  if (used > limit) {
    std::fprintf(stderr,
                 "AllocationBudget: %zu bytes allocated for a %zu-byte input, over the budget of "
                 "%zu (%zu per byte + %zu)\n",
                 used, inputSize, limit, perByte, constant);
    std::abort();
  }
}

}  // namespace muduo::fuzzing
