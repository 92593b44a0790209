// RoomRegistry: the server's rooms by name. A room is made by its first join
// and forgotten once its last member has left.
//
// Owns the rooms (shared with calls running in them). Thread contract: every
// method may be called from any thread. The registry's lock only guards the
// map; room work runs under the room's own lock, never with both held, so
// posts in different rooms do not wait for each other.
#ifndef SERVICES_CHAT_ROOMREGISTRY_H_
#define SERVICES_CHAT_ROOMREGISTRY_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "muduo/base/Mutex.h"
#include "services/chat/ChatRoom.h"
#include "services/chat/EventSink.h"
#include "services/chat/chat.pb.h"

namespace muduo::chat {

class RoomRegistry {
 public:
  struct Options {
    ChatRoom::Options room;
    // Room and member names: 1 to this many bytes, no control characters.
    size_t maxNameBytes = 64;
  };

  explicit RoomRegistry(Options options);
  ~RoomRegistry();
  RoomRegistry(const RoomRegistry&) = delete;
  RoomRegistry& operator=(const RoomRegistry&) = delete;

  // ChatRoom::join in the room called `room`, made if need be. Takes *sink
  // on success. INVALID_ARGUMENT for a bad name; UNAVAILABLE after closeAll().
  [[nodiscard]] absl::Status join(std::string_view room, std::string_view name,
                                  std::unique_ptr<EventSink>* sink);
  // ChatRoom::post; NOT_FOUND when there is no such room.
  [[nodiscard]] absl::StatusOr<PostResponse> post(std::string_view room, std::string_view name,
                                                  std::string_view text);
  // Every room with its member count, by name.
  [[nodiscard]] std::vector<std::pair<std::string, size_t>> rooms() const;
  // NOT_FOUND when there is no such room.
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> members(std::string_view room) const;

  // ChatRoom::sweep in every room; returns how many members left.
  size_t sweep();
  // Ends every stream with `status` and refuses later joins: for shutdown.
  void closeAll(const absl::Status& status);

  [[nodiscard]] static absl::Status validateName(std::string_view what, std::string_view name,
                                                 size_t maxBytes);

 private:
  [[nodiscard]] std::shared_ptr<ChatRoom> find(std::string_view room) const;
  // Forgets `room` if it has closed and is still the one under its name.
  void eraseIfClosed(const std::shared_ptr<ChatRoom>& room);

  const Options options_;
  mutable Mutex mutex_;
  absl::flat_hash_map<std::string, std::shared_ptr<ChatRoom>> rooms_ ABSL_GUARDED_BY(mutex_);
  bool closed_ ABSL_GUARDED_BY(mutex_) = false;
};

}  // namespace muduo::chat

#endif  // SERVICES_CHAT_ROOMREGISTRY_H_
