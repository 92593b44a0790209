#include "services/kv/ScanCursors.h"

namespace muduo::kv {

uint64_t ScanCursors::prefixCursor(std::string_view key) {
  uint64_t cursor = 0;
  for (size_t i = 0; i < 7; ++i) {
    cursor = (cursor << 8) | (i < key.size() ? static_cast<unsigned char>(key[i]) : 0);
  }
  return cursor;
}

uint64_t ScanCursors::remember(std::string_view key) {
  MutexLock lock(&mutex_);
  while (!order_.empty() && (order_.size() >= kMaxCursors || bytes_ + key.size() > kMaxBytes)) {
    auto it = keys_.find(order_.front());
    bytes_ -= it->second.size();
    keys_.erase(it);
    order_.pop_front();
  }
  const uint64_t cursor = next_++;
  if (next_ == 0) next_ = uint64_t{1} << 56;  // after 2^64 - 2^56 scans
  keys_.emplace(cursor, std::string(key));
  order_.push_back(cursor);
  bytes_ += key.size();
  return cursor;
}

std::optional<std::string> ScanCursors::resumeAt(uint64_t cursor) const {
  if (isPrefixCursor(cursor)) {
    std::string start(7, '\0');
    for (size_t i = 0; i < 7; ++i) start[i] = static_cast<char>(cursor >> (48 - 8 * i));
    while (!start.empty() && start.back() == '\0') start.pop_back();
    return start;
  }
  MutexLock lock(&mutex_);
  auto it = keys_.find(cursor);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

size_t ScanCursors::size() const {
  MutexLock lock(&mutex_);
  return keys_.size();
}

}  // namespace muduo::kv
