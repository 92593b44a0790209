// AllocationBudget: counts the heap bytes allocated while it lives, so a fuzz
// target can hold a parser to "no input makes it allocate more than a fixed
// multiple of its size".
//
// The count comes from the sanitizer allocator's malloc hooks (ASan, TSan,
// libFuzzer builds, GCC's or clang's). In a build without a sanitizer there
// are no hooks: counting() is false and check() always passes.
//
// One budget at a time per process; the hooks count every thread's
// allocations, so use it around single-threaded code only.
#ifndef TOOLS_FUZZING_ALLOCATIONBUDGET_H_
#define TOOLS_FUZZING_ALLOCATIONBUDGET_H_

#include <cstddef>

namespace muduo::fuzzing {

class AllocationBudget {
 public:
  AllocationBudget();
  ~AllocationBudget();
  AllocationBudget(const AllocationBudget&) = delete;
  AllocationBudget& operator=(const AllocationBudget&) = delete;

  // Whether allocations are being counted at all in this build.
  [[nodiscard]] static bool counting();
  // Bytes allocated since construction (frees are not subtracted).
  [[nodiscard]] size_t allocated() const;

  // Aborts, naming the figures, when more than perByte * inputSize + constant
  // bytes were allocated.
  void check(size_t inputSize, size_t perByte, size_t constant) const;

 private:
  size_t start_;
};

}  // namespace muduo::fuzzing

#endif  // TOOLS_FUZZING_ALLOCATIONBUDGET_H_
