#include "services/kv/BackgroundSyncer.h"

#include <utility>

#include "muduo/base/Thread.h"

namespace muduo::kv {

BackgroundSyncer::BackgroundSyncer(std::chrono::milliseconds interval,
                                   absl::AnyInvocable<void()> sync)
    : interval_(interval), sync_(std::move(sync)) {
  thread_ = std::make_unique<Thread>([this] { loop(); }, "kv-fsync");
  thread_->start();
}

BackgroundSyncer::~BackgroundSyncer() { stop(); }

void BackgroundSyncer::stop() {
  {
    MutexLock lock(&mutex_);
    if (stopping_) return;
    stopping_ = true;
    wake_.notifyAll();
  }
  thread_->join();
}

void BackgroundSyncer::loop() {
  auto next = std::chrono::steady_clock::now() + interval_;
  while (true) {
    {
      MutexLock lock(&mutex_);
      while (!stopping_) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= next) break;
        (void)wake_.waitFor(&mutex_, next - now);
      }
      if (stopping_) return;
    }
    const auto started = std::chrono::steady_clock::now();
    sync_();
    next = started + interval_;
  }
}

}  // namespace muduo::kv
