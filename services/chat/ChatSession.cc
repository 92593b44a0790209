#include "services/chat/ChatSession.h"

#include <ctime>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "muduo/net/EventLoop.h"
#include "rpc/ClientStream.h"
#include "rpc/RpcChannel.h"
#include "services/chat/chat.rpc.h"

namespace muduo::chat {

// What the stream's handlers (loop thread) tell the session's thread.
struct ChatSession::State {
  explicit State(Printer p) : print(std::move(p)) {}

  void printLine(std::string_view line) {
    MutexLock lock(&printMutex);
    print(line);
  }

  const Printer print;
  Mutex printMutex;  // one line at a time, whichever thread prints
  Mutex mutex;
  Condition changed;
  bool joined ABSL_GUARDED_BY(mutex) = false;
  uint64_t lastSeq ABSL_GUARDED_BY(mutex) = 0;
  bool leaving ABSL_GUARDED_BY(mutex) = false;
  std::optional<absl::Status> ended ABSL_GUARDED_BY(mutex);
};

template <typename Done>
bool ChatSession::waitUntil(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  MutexLock lock(&state_->mutex);
  while (!done()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    state_->changed.waitFor(&state_->mutex, deadline - now);
  }
  return true;
}

ChatSession::ChatSession(net::EventLoop* loop, const net::InetAddress& server, std::string room,
                         std::string name, Printer print, std::chrono::milliseconds timeout)
    : room_(std::move(room)),
      name_(std::move(name)),
      timeout_(timeout),
      channel_(std::make_unique<rpc::RpcChannel>(loop, server)),
      state_(std::make_shared<State>(std::move(print))) {
  callOptions_.timeout = timeout_;
  channel_->connect();
}

// The channel goes first: once it is destroyed no handler runs again.
ChatSession::~ChatSession() { channel_.reset(); }

std::string ChatSession::format(const Event& event) {
  if (event.has_post()) {
    const PostEvent& post = event.post();
    const time_t seconds = static_cast<time_t>(post.time_us() / 1000000);
    struct tm local;
    ::localtime_r(&seconds, &local);
    return absl::StrFormat("[%02d:%02d:%02d] %s: %s", local.tm_hour, local.tm_min, local.tm_sec,
                           post.sender(), post.text());
  }
  if (event.has_join()) return absl::StrCat("* ", event.join().name(), " joined");
  if (event.has_leave()) {
    const LeaveEvent& leave = event.leave();
    if (leave.reason() == "left") return absl::StrCat("* ", leave.name(), " left");
    return absl::StrCat("* ", leave.name(), " left (", leave.reason(), ")");
  }
  return absl::StrCat("* event ", event.seq());
}

absl::Status ChatSession::join() {
  JoinRequest request;
  request.set_room(room_);
  request.set_name(name_);
  ChatService::Stub stub(channel_.get());
  State* state = state_.get();
  rpc::ClientStream stream = stub.Join(
      request,
      [state = state_](const Event& event) {
        state->printLine(format(event));
        MutexLock lock(&state->mutex);
        state->joined = true;
        state->lastSeq = event.seq();
        state->changed.notifyAll();
      },
      [state = state_](absl::Status status) {
        bool quiet = false;
        {
          MutexLock lock(&state->mutex);
          // Before the join it is join()'s to report; after a leave() expected.
          quiet = state->leaving || !state->joined;
          state->ended = status;
          state->changed.notifyAll();
        }
        if (!quiet) state->printLine(absl::StrCat("* disconnected: ", status.ToString()));
      });
  stream_ = std::make_unique<rpc::ClientStream>(stream);
  std::optional<absl::Status> ended;
  const bool answered = waitUntil([state, &ended] {
    ended = state->ended;
    return state->joined || state->ended.has_value();
  });
  if (!answered) {
    leave();
    return absl::DeadlineExceededError("no answer to the join");
  }
  return ended.value_or(absl::OkStatus());
}

ChatSession::Next ChatSession::handleLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return Next::kContinue;
  if (line[0] != '/') {
    post(line);
  } else if (line.size() > 1 && line[1] == '/') {
    post(line.substr(1));
  } else if (line == "/quit") {
    return Next::kQuit;
  } else if (line == "/who") {
    printMembers();
  } else if (line == "/rooms") {
    printRooms();
  } else {
    state_->printLine(absl::StrCat("! unknown command ",
                                   absl::string_view(line.data(), line.size()),
                                   "; try /who, /rooms, /quit, or //text to post /text"));
  }
  return Next::kContinue;
}

void ChatSession::post(std::string_view text) {
  PostRequest request;
  request.set_room(room_);
  request.set_name(name_);
  request.set_text(std::string(text));
  PostResponse response;
  const absl::Status status =
      ChatService::Stub(channel_.get()).Post(request, &response, callOptions_);
  if (!status.ok()) {
    state_->printLine(absl::StrCat("! post failed: ", status.ToString()));
    return;
  }
  lastPostSeq_ = response.seq();
}

void ChatSession::printMembers() {
  ListMembersRequest request;
  request.set_room(room_);
  ListMembersResponse response;
  const absl::Status status =
      ChatService::Stub(channel_.get()).ListMembers(request, &response, callOptions_);
  if (!status.ok()) {
    state_->printLine(absl::StrCat("! /who failed: ", status.ToString()));
    return;
  }
  std::string line = absl::StrCat("* in ", room_, ":");
  for (const std::string& name : response.names()) absl::StrAppend(&line, " ", name);
  state_->printLine(line);
}

void ChatSession::printRooms() {
  ListRoomsResponse response;
  const absl::Status status =
      ChatService::Stub(channel_.get()).ListRooms(ListRoomsRequest(), &response, callOptions_);
  if (!status.ok()) {
    state_->printLine(absl::StrCat("! /rooms failed: ", status.ToString()));
    return;
  }
  std::string line = "* rooms:";
  for (const RoomInfo& room : response.rooms()) {
    absl::StrAppend(&line, " ", room.name(), " (", room.members(), ")");
  }
  state_->printLine(line);
}

bool ChatSession::waitForOwnPosts() {
  State* state = state_.get();
  const uint64_t seq = lastPostSeq_;
  return waitUntil([state, seq] { return state->lastSeq >= seq || state->ended.has_value(); });
}

void ChatSession::leave() {
  if (stream_ == nullptr) return;
  {
    MutexLock lock(&state_->mutex);
    if (state_->ended) return;
    state_->leaving = true;
  }
  stream_->cancel();
  State* state = state_.get();
  (void)waitUntil([state] { return state->ended.has_value(); });
}

std::optional<absl::Status> ChatSession::ended() const {
  MutexLock lock(&state_->mutex);
  return state_->ended;
}

}  // namespace muduo::chat
