// FakeSink: an EventSink for tests that records what a room sends one member.
// The test keeps the shared state and steers the sink through it: stop the
// member reading (each event then adds to its backlog), cancel its stream,
// make its writes fail.
//
// Test-only. Thread contract: the room calls the sink under its lock; the
// test reads and changes the state only while no room call is running, or
// under `mutex` when rooms run on other threads.
#ifndef SERVICES_CHAT_FAKESINK_H_
#define SERVICES_CHAT_FAKESINK_H_

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "muduo/base/Mutex.h"
#include "services/chat/EventSink.h"
#include "services/chat/chat.pb.h"

namespace muduo::chat::testing {

struct FakeSinkState {
  mutable Mutex mutex;
  std::vector<Event> events ABSL_GUARDED_BY(mutex);
  bool reading ABSL_GUARDED_BY(mutex) = true;  // false: every event adds to queuedBytes
  size_t queuedBytes ABSL_GUARDED_BY(mutex) = 0;
  size_t maxQueuedBytesSeen ABSL_GUARDED_BY(mutex) = 0;
  bool cancelled ABSL_GUARDED_BY(mutex) = false;
  bool writesFail ABSL_GUARDED_BY(mutex) = false;
  std::optional<absl::Status> finished ABSL_GUARDED_BY(mutex);
  int finishes ABSL_GUARDED_BY(mutex) = 0;

  [[nodiscard]] std::vector<Event> snapshot() const {
    MutexLock lock(&mutex);
    return events;
  }
  [[nodiscard]] std::optional<absl::Status> finishStatus() const {
    MutexLock lock(&mutex);
    return finished;
  }
};

class FakeSink final : public EventSink {
 public:
  explicit FakeSink(std::shared_ptr<FakeSinkState> state) : state_(std::move(state)) {}

  // A sink for a new member and the state to watch it by.
  static std::pair<std::unique_ptr<EventSink>, std::shared_ptr<FakeSinkState>> make() {
    auto state = std::make_shared<FakeSinkState>();
    return {std::make_unique<FakeSink>(state), state};
  }

  bool write(const Event& event) override {
    MutexLock lock(&state_->mutex);
    if (state_->cancelled || state_->writesFail || state_->finished) return false;
    state_->events.push_back(event);
    if (!state_->reading) {
      state_->queuedBytes += event.ByteSizeLong();
      state_->maxQueuedBytesSeen = std::max(state_->maxQueuedBytesSeen, state_->queuedBytes);
    }
    return true;
  }
  size_t queuedBytes() const override {
    MutexLock lock(&state_->mutex);
    return state_->queuedBytes;
  }
  bool cancelled() const override {
    MutexLock lock(&state_->mutex);
    return state_->cancelled;
  }
  void finish(const absl::Status& status) override {
    MutexLock lock(&state_->mutex);
    ++state_->finishes;
    if (!state_->finished) state_->finished = status;
  }

 private:
  std::shared_ptr<FakeSinkState> state_;
};

}  // namespace muduo::chat::testing

#endif  // SERVICES_CHAT_FAKESINK_H_
