// EventSink: where a chat room sends one member's events. The service's sink
// writes to the member's Join stream; tests use a fake.
//
// Thread contract: a ChatRoom calls every method under its own lock, from
// whichever thread is posting, joining or sweeping, so none may block; an
// implementation must tolerate calls from any thread, one at a time.
#ifndef SERVICES_CHAT_EVENTSINK_H_
#define SERVICES_CHAT_EVENTSINK_H_

#include <cstddef>

#include "absl/status/status.h"
#include "services/chat/chat.pb.h"

namespace muduo::chat {

class EventSink {
 public:
  virtual ~EventSink() = default;

  // Queues the event for the member without waiting; false once its stream is
  // over (cancelled, connection gone), and the event is dropped.
  [[nodiscard]] virtual bool write(const Event& event) = 0;
  // Bytes written to the member and not yet taken by its connection: the
  // backlog a member that does not read builds up.
  [[nodiscard]] virtual size_t queuedBytes() const = 0;
  // The member's stream ended on its side: cancelled or disconnected.
  [[nodiscard]] virtual bool cancelled() const = 0;
  // Ends the member's stream with `status`. Called once, last.
  virtual void finish(const absl::Status& status) = 0;
};

}  // namespace muduo::chat

#endif  // SERVICES_CHAT_EVENTSINK_H_
