// Inbox: what callbacks in other threads (the ZooKeeper loop, a resolver's
// loop) report, for the test thread to await with a bound.
//
// Test-only. Any thread.
#ifndef RPC_NAMING_TESTING_INBOX_H_
#define RPC_NAMING_TESTING_INBOX_H_

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace muduo::rpc::naming::testing {

// Long enough for a loaded CI machine under a sanitizer.
inline constexpr std::chrono::seconds kWait{20};

template <typename T>
class Inbox {
 public:
  void put(T value) {
    std::lock_guard<std::mutex> lock(mutex_);
    values_.push_back(std::move(value));
    cond_.notify_all();
  }
  // Waits up to kWait until `pred(values so far)` holds.
  template <typename Pred>
  [[nodiscard]] bool waitFor(Pred pred, std::chrono::milliseconds timeout = kWait) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cond_.wait_for(lock, timeout, [&] { return pred(values_); });
  }
  [[nodiscard]] bool waitForAny() {
    return waitFor([](const std::vector<T>& values) { return !values.empty(); });
  }
  [[nodiscard]] std::vector<T> values() {
    std::lock_guard<std::mutex> lock(mutex_);
    return values_;
  }
  [[nodiscard]] T last() {
    std::lock_guard<std::mutex> lock(mutex_);
    return values_.back();
  }
  [[nodiscard]] size_t size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return values_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cond_;
  std::vector<T> values_;
};

template <typename T>
[[nodiscard]] bool contains(const std::vector<T>& values, const T& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace muduo::rpc::naming::testing

#endif  // RPC_NAMING_TESTING_INBOX_H_
