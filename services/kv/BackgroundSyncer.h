// BackgroundSyncer: everysec's fdatasync thread ("kv-fsync"). It calls
// `sync` once every `interval`, counted from the start of one call to the
// start of the next; one call at a time, so a call that runs past the
// interval is followed at once by the next, never overlapped (a second that
// passes while a sync is in progress does not start a second sync). What a
// sync covers and what a lagging one holds up is LogWriter's business
// (LogWriter::syncWritten()).
//
// Thread contract: the constructor starts the thread; stop() may be called
// from any thread but the syncer's own. `sync` runs in the syncer's thread.
#ifndef SERVICES_KV_BACKGROUNDSYNCER_H_
#define SERVICES_KV_BACKGROUNDSYNCER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "absl/functional/any_invocable.h"
#include "muduo/base/Mutex.h"

namespace muduo {
class Thread;
}  // namespace muduo

namespace muduo::kv {

class BackgroundSyncer {
 public:
  BackgroundSyncer(std::chrono::milliseconds interval, absl::AnyInvocable<void()> sync);
  ~BackgroundSyncer();  // stop()
  BackgroundSyncer(const BackgroundSyncer&) = delete;
  BackgroundSyncer& operator=(const BackgroundSyncer&) = delete;

  // Lets a sync in progress finish, then joins the thread. Idempotent.
  void stop();

 private:
  void loop();

  const std::chrono::milliseconds interval_;
  absl::AnyInvocable<void()> sync_;  // syncer thread only

  Mutex mutex_;
  Condition wake_;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::unique_ptr<Thread> thread_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_BACKGROUNDSYNCER_H_
