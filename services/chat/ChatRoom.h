// ChatRoom: one room's members and the order of its events.
//
// Every event (a post, a join, a leave) takes the room's next sequence number
// and goes to every member under the room's lock, so all members see the
// room's events in one order, each member from its own join on.
//
// Slow consumers: before each event a member's backlog (EventSink::
// queuedBytes(), the bytes its connection has not sent) is compared with
// Options::maxQueuedBytes; a member over it is dropped on the spot, with a
// leave event whose reason says so and its stream ended RESOURCE_EXHAUSTED.
// Writing to a member only appends to its connection's output, so a member
// that does not read costs the others one append per event until it is
// dropped, and pins at most maxQueuedBytes plus one event of server memory.
// A member whose stream ended (cancelled, disconnected) leaves at the next
// event or sweep().
//
// Owns its members' sinks. Thread contract: every method may be called from
// any thread; sinks are called under the room's lock and must not block.
#ifndef SERVICES_CHAT_CHATROOM_H_
#define SERVICES_CHAT_CHATROOM_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "muduo/base/Mutex.h"
#include "services/chat/EventSink.h"
#include "services/chat/chat.pb.h"

namespace muduo::chat {

class ChatRoom {
 public:
  struct Options {
    // A member whose connection holds more unsent bytes than this when an
    // event is due is dropped as a slow consumer.
    size_t maxQueuedBytes = 1 << 20;
    // Longer posts are refused with INVALID_ARGUMENT.
    size_t maxTextBytes = 64 * 1024;
    // Post times, microseconds since the Unix epoch. Empty: the wall clock.
    std::function<int64_t()> clock;
  };

  ChatRoom(std::string name, Options options);
  ~ChatRoom();
  ChatRoom(const ChatRoom&) = delete;
  ChatRoom& operator=(const ChatRoom&) = delete;

  [[nodiscard]] const std::string& name() const { return name_; }

  // Adds `name` and sends its join to every member, the newcomer first of
  // all: its first event is its own join. Takes *sink on success. A member of
  // that name whose stream has ended leaves first; a live one makes it
  // ALREADY_EXISTS. ABORTED once the room has closed (its last member left):
  // the caller joins a fresh room of the same name instead.
  [[nodiscard]] absl::Status join(std::string_view name, std::unique_ptr<EventSink>* sink);

  // Sends `text` from `name` to every member, `name` included. NOT_FOUND
  // unless `name` is a member; INVALID_ARGUMENT for a text over the limit.
  [[nodiscard]] absl::StatusOr<PostResponse> post(std::string_view name, std::string_view text);

  // Removes the members whose streams have ended or whose backlog is over
  // the bound, telling the others. Returns how many left.
  size_t sweep();

  // Ends every member's stream with `status`, without leave events, and
  // closes the room.
  void close(const absl::Status& status);

  // Member names in the order they joined.
  [[nodiscard]] std::vector<std::string> memberNames() const;
  [[nodiscard]] size_t size() const;
  // Its last member has left; it takes no more joins. Lock-free.
  [[nodiscard]] bool closed() const { return closed_.load(std::memory_order_acquire); }
  // The sequence number of the room's latest event.
  [[nodiscard]] uint64_t lastSeq() const;

 private:
  struct Member {
    uint64_t joinOrder = 0;
    std::unique_ptr<EventSink> sink;
    bool leaving = false;  // queued in a departure list, skipped by broadcasts
  };
  struct Departure {
    std::string name;
    std::string reason;
    absl::Status status;  // what the member's stream ends with
  };

  // Numbers `event` and writes it to every member not already leaving;
  // appends the members that must leave to *departures.
  void broadcastLocked(Event* event, std::vector<Departure>* departures)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Marks `member` leaving and queues its departure.
  static void departLocked(const std::string& name, Member& member, std::string reason,
                           absl::Status status, std::vector<Departure>* departures);
  // Removes the departed one by one, each with a leave event to the rest
  // (which may make more leave). Returns how many left.
  size_t settleLocked(std::vector<Departure> departures) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // An empty room closes for good: the registry then forgets it.
  void closeIfEmptyLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  [[nodiscard]] int64_t now() const;

  const std::string name_;
  const Options options_;
  mutable Mutex mutex_;
  absl::flat_hash_map<std::string, Member> members_ ABSL_GUARDED_BY(mutex_);
  uint64_t lastSeq_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t joins_ ABSL_GUARDED_BY(mutex_) = 0;
  std::atomic<bool> closed_{false};  // written under mutex_
};

}  // namespace muduo::chat

#endif  // SERVICES_CHAT_CHATROOM_H_
