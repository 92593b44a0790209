#include "services/chat/ChatRoom.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "muduo/base/Logging.h"
#include "muduo/base/Timestamp.h"

namespace muduo::chat {
namespace {

constexpr std::string_view kLeft = "left";

// Debian's abseil has its own string_view type, which is what its hash
// maps look strings up by.
absl::string_view toAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

ChatRoom::ChatRoom(std::string name, Options options)
    : name_(std::move(name)), options_(std::move(options)) {}

ChatRoom::~ChatRoom() = default;

int64_t ChatRoom::now() const {
  return options_.clock ? options_.clock() : Timestamp::now().microSecondsSinceEpoch();
}

absl::Status ChatRoom::join(std::string_view name, std::unique_ptr<EventSink>* sink) {
  MutexLock lock(&mutex_);
  if (closed()) return absl::AbortedError(absl::StrCat("room ", name_, " has closed"));
  if (auto it = members_.find(toAbsl(name)); it != members_.end()) {
    if (!it->second.sink->cancelled()) {
      return absl::AlreadyExistsError(absl::StrCat(toAbsl(name), " is already in room ", name_));
    }
    // The same member back after a drop the room has not noticed yet.
    std::vector<Departure> stale;
    departLocked(it->first, it->second, std::string(kLeft), absl::CancelledError("rejoined"),
                 &stale);
    settleLocked(std::move(stale));
  }
  Member& member = members_[std::string(name)];
  member.joinOrder = ++joins_;
  member.sink = std::move(*sink);
  LOG_INFO << "room " << name_ << ": " << name << " joined, " << members_.size() << " members";
  // The newcomer has had nothing yet, so this is its first event.
  Event event;
  event.mutable_join()->set_name(std::string(name));
  std::vector<Departure> departures;
  broadcastLocked(&event, &departures);
  settleLocked(std::move(departures));
  closeIfEmptyLocked();
  return absl::OkStatus();
}

absl::StatusOr<PostResponse> ChatRoom::post(std::string_view name, std::string_view text) {
  if (text.size() > options_.maxTextBytes) {
    return absl::InvalidArgumentError(absl::StrCat("text of ", text.size(), " bytes is over the ",
                                                   options_.maxTextBytes, "-byte limit"));
  }
  MutexLock lock(&mutex_);
  if (!members_.contains(toAbsl(name))) {
    return absl::NotFoundError(absl::StrCat(toAbsl(name), " is not in room ", name_));
  }
  Event event;
  PostEvent* post = event.mutable_post();
  post->set_sender(std::string(name));
  post->set_text(std::string(text));
  post->set_time_us(now());
  std::vector<Departure> departures;
  broadcastLocked(&event, &departures);
  settleLocked(std::move(departures));
  closeIfEmptyLocked();
  PostResponse response;
  response.set_seq(event.seq());
  response.set_time_us(post->time_us());
  return response;
}

size_t ChatRoom::sweep() {
  MutexLock lock(&mutex_);
  std::vector<Departure> departures;
  for (auto& [name, member] : members_) {
    if (member.sink->cancelled()) {
      departLocked(name, member, std::string(kLeft), absl::CancelledError("left"), &departures);
    } else if (const size_t backlog = member.sink->queuedBytes();
               backlog > options_.maxQueuedBytes) {
      const std::string reason = absl::StrCat("slow consumer: ", backlog, " bytes unread");
      departLocked(name, member, reason, absl::ResourceExhaustedError(reason), &departures);
    }
  }
  const size_t left = settleLocked(std::move(departures));
  closeIfEmptyLocked();
  return left;
}

void ChatRoom::close(const absl::Status& status) {
  MutexLock lock(&mutex_);
  for (auto& [name, member] : members_) member.sink->finish(status);
  members_.clear();
  closed_.store(true, std::memory_order_release);
}

std::vector<std::string> ChatRoom::memberNames() const {
  std::vector<std::pair<uint64_t, std::string>> ordered;
  {
    MutexLock lock(&mutex_);
    ordered.reserve(members_.size());
    for (const auto& [name, member] : members_) ordered.emplace_back(member.joinOrder, name);
  }
  std::sort(ordered.begin(), ordered.end());
  std::vector<std::string> names;
  names.reserve(ordered.size());
  for (auto& entry : ordered) names.push_back(std::move(entry.second));
  return names;
}

size_t ChatRoom::size() const {
  MutexLock lock(&mutex_);
  return members_.size();
}

uint64_t ChatRoom::lastSeq() const {
  MutexLock lock(&mutex_);
  return lastSeq_;
}

void ChatRoom::broadcastLocked(Event* event, std::vector<Departure>* departures) {
  event->set_seq(++lastSeq_);
  for (auto& [name, member] : members_) {
    if (member.leaving) continue;
    // Checked before every write: this is what bounds a member that does not
    // read, whatever the rate of posts.
    if (const size_t backlog = member.sink->queuedBytes(); backlog > options_.maxQueuedBytes) {
      std::string reason = absl::StrCat("slow consumer: ", backlog, " bytes unread");
      absl::Status status = absl::ResourceExhaustedError(reason);
      departLocked(name, member, std::move(reason), std::move(status), departures);
    } else if (!member.sink->write(*event)) {
      departLocked(name, member, std::string(kLeft), absl::CancelledError("left"), departures);
    }
  }
}

void ChatRoom::departLocked(const std::string& name, Member& member, std::string reason,
                            absl::Status status, std::vector<Departure>* departures) {
  member.leaving = true;
  departures->push_back(Departure{name, std::move(reason), std::move(status)});
}

size_t ChatRoom::settleLocked(std::vector<Departure> departures) {
  // Index, not iterator: the leave broadcasts append to `departures`.
  for (size_t i = 0; i < departures.size(); ++i) {
    Departure departure = std::move(departures[i]);
    auto it = members_.find(toAbsl(departure.name));
    it->second.sink->finish(departure.status);
    members_.erase(it);
    if (departure.status.code() == absl::StatusCode::kResourceExhausted) {
      LOG_WARN << "room " << name_ << ": dropped " << departure.name << ": " << departure.reason;
    } else {
      LOG_INFO << "room " << name_ << ": " << departure.name << " " << departure.reason;
    }
    if (members_.empty()) continue;
    Event event;
    LeaveEvent* leave = event.mutable_leave();
    leave->set_name(departure.name);
    leave->set_reason(departure.reason);
    broadcastLocked(&event, &departures);
  }
  return departures.size();
}

void ChatRoom::closeIfEmptyLocked() {
  if (members_.empty()) closed_.store(true, std::memory_order_release);
}

}  // namespace muduo::chat
