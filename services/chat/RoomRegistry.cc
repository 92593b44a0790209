#include "services/chat/RoomRegistry.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace muduo::chat {
namespace {

absl::string_view toAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

RoomRegistry::RoomRegistry(Options options) : options_(std::move(options)) {}

RoomRegistry::~RoomRegistry() = default;

absl::Status RoomRegistry::validateName(std::string_view what, std::string_view name,
                                        size_t maxBytes) {
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat(toAbsl(what), " is empty"));
  if (name.size() > maxBytes) {
    return absl::InvalidArgumentError(absl::StrCat(toAbsl(what), " is ", name.size(),
                                                   " bytes, over the ", maxBytes, "-byte limit"));
  }
  // Names are printed on terminals, one event per line.
  for (const char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(absl::StrCat(toAbsl(what), " holds a control character"));
    }
  }
  return absl::OkStatus();
}

absl::Status RoomRegistry::join(std::string_view room, std::string_view name,
                                std::unique_ptr<EventSink>* sink) {
  if (auto status = validateName("room name", room, options_.maxNameBytes); !status.ok()) {
    return status;
  }
  if (auto status = validateName("member name", name, options_.maxNameBytes); !status.ok()) {
    return status;
  }
  while (true) {
    std::shared_ptr<ChatRoom> chatRoom;
    {
      MutexLock lock(&mutex_);
      if (closed_) return absl::UnavailableError("server shutting down");
      std::shared_ptr<ChatRoom>& slot = rooms_[std::string(room)];
      if (slot == nullptr) slot = std::make_shared<ChatRoom>(std::string(room), options_.room);
      chatRoom = slot;
    }
    absl::Status status = chatRoom->join(name, sink);
    // ABORTED: the room closed between the lookup and the join; a fresh one
    // takes its place on the next turn.
    eraseIfClosed(chatRoom);
    if (!absl::IsAborted(status)) return status;
  }
}

absl::StatusOr<PostResponse> RoomRegistry::post(std::string_view room, std::string_view name,
                                                std::string_view text) {
  std::shared_ptr<ChatRoom> chatRoom = find(room);
  if (chatRoom == nullptr) return absl::NotFoundError(absl::StrCat("no room ", toAbsl(room)));
  auto result = chatRoom->post(name, text);
  // The poster itself may have been dropped, and with it the last member.
  eraseIfClosed(chatRoom);
  return result;
}

std::vector<std::pair<std::string, size_t>> RoomRegistry::rooms() const {
  std::vector<std::shared_ptr<ChatRoom>> snapshot;
  {
    MutexLock lock(&mutex_);
    snapshot.reserve(rooms_.size());
    for (const auto& [name, room] : rooms_) snapshot.push_back(room);
  }
  std::vector<std::pair<std::string, size_t>> result;
  for (const auto& room : snapshot) {
    const size_t size = room->size();
    if (size > 0) result.emplace_back(room->name(), size);
  }
  std::sort(result.begin(), result.end());
  return result;
}

absl::StatusOr<std::vector<std::string>> RoomRegistry::members(std::string_view room) const {
  std::shared_ptr<ChatRoom> chatRoom = find(room);
  std::vector<std::string> names;
  if (chatRoom != nullptr) names = chatRoom->memberNames();
  if (names.empty()) return absl::NotFoundError(absl::StrCat("no room ", toAbsl(room)));
  return names;
}

size_t RoomRegistry::sweep() {
  std::vector<std::shared_ptr<ChatRoom>> snapshot;
  {
    MutexLock lock(&mutex_);
    snapshot.reserve(rooms_.size());
    for (const auto& [name, room] : rooms_) snapshot.push_back(room);
  }
  size_t left = 0;
  for (const auto& room : snapshot) {
    left += room->sweep();
    eraseIfClosed(room);
  }
  return left;
}

void RoomRegistry::closeAll(const absl::Status& status) {
  absl::flat_hash_map<std::string, std::shared_ptr<ChatRoom>> rooms;
  {
    MutexLock lock(&mutex_);
    closed_ = true;
    rooms.swap(rooms_);
  }
  for (auto& [name, room] : rooms) room->close(status);
}

std::shared_ptr<ChatRoom> RoomRegistry::find(std::string_view room) const {
  MutexLock lock(&mutex_);
  auto it = rooms_.find(toAbsl(room));
  return it == rooms_.end() ? nullptr : it->second;
}

void RoomRegistry::eraseIfClosed(const std::shared_ptr<ChatRoom>& room) {
  if (!room->closed()) return;
  MutexLock lock(&mutex_);
  auto it = rooms_.find(toAbsl(room->name()));
  if (it != rooms_.end() && it->second == room) rooms_.erase(it);
}

}  // namespace muduo::chat
