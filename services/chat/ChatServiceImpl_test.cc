// The chat service in process: an RpcServer with two I/O threads on
// loopback, members on their own connections through the generated stub, and
// a raw client that joins and then never reads. Every wait is bounded.
#include "services/chat/ChatServiceImpl.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "rpc/ClientStream.h"
#include "rpc/RpcChannel.h"
#include "rpc/RpcCodec.h"
#include "rpc/RpcServer.h"
#include "services/chat/ChatTestServer.h"

namespace muduo::chat {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kWait = 10s;
constexpr size_t kMaxQueuedBytes = 256 * 1024;

// One member on its own connection, as a chat client would be. Events are
// recorded by the channel's loop thread and awaited by the test thread.
class TestMember {
 public:
  struct State {
    Mutex mutex;
    Condition changed;
    std::vector<Event> events ABSL_GUARDED_BY(mutex);
    std::optional<absl::Status> finished ABSL_GUARDED_BY(mutex);
  };

  TestMember(net::EventLoop* loop, const net::InetAddress& server, std::string room,
             std::string name)
      : room_(std::move(room)),
        name_(std::move(name)),
        channel_(std::make_unique<rpc::RpcChannel>(loop, server)),
        stub_(channel_.get()),
        state_(std::make_shared<State>()) {
    channel_->connect();
  }

  const std::string& name() const { return name_; }

  void startJoin() {
    JoinRequest request;
    request.set_room(room_);
    request.set_name(name_);
    stream_.emplace(stub_.Join(
        request,
        [state = state_](const Event& event) {
          MutexLock lock(&state->mutex);
          state->events.push_back(event);
          state->changed.notifyAll();
        },
        [state = state_](absl::Status status) {
          MutexLock lock(&state->mutex);
          state->finished = std::move(status);
          state->changed.notifyAll();
        }));
  }

  // Joins and waits for the member's own join, its first event.
  [[nodiscard]] bool join() {
    startJoin();
    return waitUntil([this](const State& s) {
      return !s.events.empty() && s.events[0].has_join() && s.events[0].join().name() == name_;
    });
  }

  // Waits up to kWait for `done(state)`, checked under the state's lock.
  template <typename Done>
  [[nodiscard]] bool waitUntil(Done done) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    MutexLock lock(&state_->mutex);
    while (!done(*state_)) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      state_->changed.waitFor(&state_->mutex, deadline - now);
    }
    return true;
  }

  [[nodiscard]] bool waitForPosts(size_t n) {
    return waitUntil([n](const State& s) { return posts(s.events).size() >= n; });
  }
  // Waits for a leave event of `who`; returns its reason.
  [[nodiscard]] std::optional<std::string> waitForLeave(const std::string& who) {
    std::optional<std::string> reason;
    const bool left = waitUntil([&](const State& s) {
      for (const Event& e : s.events) {
        if (e.has_leave() && e.leave().name() == who) reason = e.leave().reason();
      }
      return reason.has_value();
    });
    return left ? reason : std::nullopt;
  }
  [[nodiscard]] std::optional<absl::Status> waitForFinish() {
    std::optional<absl::Status> status;
    const bool finished = waitUntil([&](const State& s) {
      status = s.finished;
      return s.finished.has_value();
    });
    return finished ? status : std::nullopt;
  }

  absl::StatusOr<PostResponse> post(const std::string& text) {
    PostRequest request;
    request.set_room(room_);
    request.set_name(name_);
    request.set_text(text);
    PostResponse response;
    absl::Status status = stub_.Post(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  std::vector<Event> events() {
    MutexLock lock(&state_->mutex);
    return state_->events;
  }

  // "seq sender: text" of each post received, in order.
  static std::vector<std::string> posts(const std::vector<Event>& events) {
    std::vector<std::string> out;
    for (const Event& e : events) {
      if (e.has_post()) {
        out.push_back(std::to_string(e.seq()) + " " + e.post().sender() + ": " + e.post().text());
      }
    }
    return out;
  }

  void cancel() { stream_->cancel(); }
  // Closes the member's connection, as a client that dies would.
  void disconnect() { channel_.reset(); }
  ChatService::Stub& stub() { return stub_; }

 private:
  const std::string room_;
  const std::string name_;
  std::unique_ptr<rpc::RpcChannel> channel_;
  ChatService::Stub stub_;
  std::optional<rpc::ClientStream> stream_;
  std::shared_ptr<State> state_;
};

// A member on a plain blocking socket that joins and then stops reading.
// Its receive buffer is made small, so the server's backlog for it builds
// up after a few kilobytes.
class StalledClient {
 public:
  StalledClient(const net::InetAddress& server, const std::string& room, const std::string& name)
      : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    const int size = 4096;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    const timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    connected_ = ::connect(fd_, server.getSockAddr(), sizeof(sockaddr_in)) == 0;
    rpc::RpcMeta meta;
    meta.set_type(rpc::RpcMeta::REQUEST);
    meta.set_call_id(1);
    meta.set_service(std::string(ChatService::kServiceName));
    meta.set_method("Join");
    JoinRequest request;
    request.set_room(room);
    request.set_name(name);
    net::Buffer frame;
    rpc::encodeFrame(meta, &request, &frame);
    connected_ = connected_ && ::send(fd_, frame.peek(), frame.readableBytes(), MSG_NOSIGNAL) ==
                                   static_cast<ssize_t>(frame.readableBytes());
  }
  ~StalledClient() { close(); }
  StalledClient(const StalledClient&) = delete;
  StalledClient& operator=(const StalledClient&) = delete;

  [[nodiscard]] bool connected() const { return connected_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Reads on at last, through every event queued for it, to the end of its
  // stream; returns the stream's status and counts the events.
  std::optional<absl::Status> readToStreamEnd(int* events) {
    net::Buffer in;
    rpc::DecodedFrame frame;
    std::string error;
    char chunk[65536];
    while (true) {
      const auto status = rpc::decodeFrame(in, rpc::kDefaultMaxFrameSize, &frame, &error);
      if (status == rpc::DecodeStatus::kError) return std::nullopt;
      if (status == rpc::DecodeStatus::kFrame) {
        if (frame.meta.type() == rpc::RpcMeta::STREAM_END) {
          return absl::Status(static_cast<absl::StatusCode>(frame.meta.status_code()),
                              std::string(frame.meta.status_message()));
        }
        ++*events;
        in.retrieve(frame.frameLength);
        continue;
      }
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return std::nullopt;
      in.append(std::string_view(chunk, static_cast<size_t>(n)));
    }
  }

 private:
  int fd_;
  bool connected_ = false;
};

ChatServiceImpl::Options serviceOptions() {
  ChatServiceImpl::Options options;
  options.rooms.room.maxQueuedBytes = kMaxQueuedBytes;
  options.sweepInterval = 20ms;
  return options;
}

// Two I/O threads, so members are served by different loops than posters.
class ChatServiceTest : public ::testing::Test {
 protected:
  ChatServiceTest() : server_(serviceOptions(), 2), address_(server_.address()) {
    clientLoop_ = clientThread_.startLoop();
  }

  TestMember& addMember(const std::string& room, const std::string& name) {
    members_.push_back(std::make_unique<TestMember>(clientLoop_, address_, room, name));
    return *members_.back();
  }

  testing::ChatTestServer server_;
  const net::InetAddress address_;
  net::EventLoopThread clientThread_;
  net::EventLoop* clientLoop_ = nullptr;
  std::vector<std::unique_ptr<TestMember>> members_;
};

TEST_F(ChatServiceTest, AHundredMembersAllReceiveEveryPostInOneOrder) {
  constexpr int kMembers = 100;
  constexpr int kPosters = 3;
  constexpr int kPostsEach = 100;
  for (int i = 0; i < kMembers; ++i) addMember("lobby", "m" + std::to_string(i));
  for (auto& member : members_) member->startJoin();
  for (auto& member : members_) {
    ASSERT_TRUE(member->waitUntil([](const TestMember::State& s) { return !s.events.empty(); }))
        << member->name() << " did not join";
  }

  // Three posters at once, each on its own thread and connection.
  std::vector<std::thread> posters;
  for (int p = 0; p < kPosters; ++p) {
    posters.emplace_back([this, p] {
      for (int i = 0; i < kPostsEach; ++i) {
        auto response = members_[static_cast<size_t>(p)]->post(std::to_string(i));
        ASSERT_TRUE(response.ok()) << response.status();
      }
    });
  }
  for (auto& poster : posters) poster.join();

  const size_t total = kPosters * kPostsEach;
  std::vector<std::string> reference;
  for (auto& member : members_) {
    ASSERT_TRUE(member->waitForPosts(total)) << member->name();
    const std::vector<Event> events = member->events();
    ASSERT_TRUE(events[0].has_join());
    EXPECT_EQ(events[0].join().name(), member->name()) << "its own join comes first";
    for (size_t i = 1; i < events.size(); ++i) {
      ASSERT_EQ(events[i].seq(), events[i - 1].seq() + 1) << member->name() << " has a gap";
    }
    // Each poster's posts in the order it made them...
    std::vector<int> next(kPosters, 0);
    for (const Event& e : events) {
      if (!e.has_post()) continue;
      const size_t poster = std::stoul(e.post().sender().substr(1));
      EXPECT_EQ(e.post().text(), std::to_string(next[poster]++));
      EXPECT_GT(e.post().time_us(), 0);
    }
    // ...and one interleaving for all.
    const auto posts = TestMember::posts(events);
    EXPECT_EQ(posts.size(), total);
    if (reference.empty()) reference = posts;
    EXPECT_TRUE(posts == reference) << member->name() << " saw another order";
  }
}

TEST_F(ChatServiceTest, AStalledMemberIsDroppedWhileTheOthersKeepReceiving) {
  TestMember& alice = addMember("lobby", "alice");
  TestMember& bob = addMember("lobby", "bob");
  ASSERT_TRUE(alice.join());
  ASSERT_TRUE(bob.join());
  StalledClient stalled(address_, "lobby", "stalled");
  ASSERT_TRUE(stalled.connected());
  ASSERT_TRUE(alice.waitUntil([](const TestMember::State& s) { return s.events.size() >= 3; }));

  // Post until the room drops it; a server that buffered without bound
  // would never drop it and the loop would end at its cap.
  const std::string text(8 * 1024, 'x');
  constexpr int kMaxPosts = 4000;
  int posted = 0;
  std::optional<std::string> reason;
  while (posted < kMaxPosts && !reason) {
    ASSERT_TRUE(alice.post(std::to_string(posted) + text).ok());
    ++posted;
    // The members who read keep up before the next post: on a loaded
    // machine a reader whose thread is starved for a moment would otherwise
    // fall 256 KiB behind and be dropped as slow too (seen under ASan).
    ASSERT_TRUE(alice.waitForPosts(static_cast<size_t>(posted)));
    ASSERT_TRUE(bob.waitForPosts(static_cast<size_t>(posted)));
    for (const Event& e : bob.events()) {
      if (e.has_leave() && e.leave().name() == "stalled") reason = e.leave().reason();
    }
  }
  ASSERT_TRUE(reason.has_value()) << "never dropped after " << posted << " posts";
  ASSERT_EQ(reason->rfind("slow consumer: ", 0), 0u) << *reason;
  // The backlog it was dropped at: just over the bound, never far past it.
  const size_t backlog = std::stoul(reason->substr(15));
  EXPECT_GT(backlog, kMaxQueuedBytes);
  EXPECT_LT(backlog, kMaxQueuedBytes + 2 * text.size());

  // The others keep receiving: later posts, all of them, in order.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(alice.post(std::to_string(posted++) + text).ok());
  for (TestMember* member : {&alice, &bob}) {
    ASSERT_TRUE(member->waitForPosts(static_cast<size_t>(posted))) << member->name();
    int i = 0;
    for (const Event& e : member->events()) {
      if (e.has_post()) {
        EXPECT_EQ(e.post().text(), std::to_string(i++) + text);
      }
    }
  }
  auto members = server_.service().rooms().members("lobby");
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(*members, (std::vector<std::string>{"alice", "bob"}));

  // When it reads at last, its stream ends with the reason after what was queued.
  int events = 0;
  const auto end = stalled.readToStreamEnd(&events);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->code(), absl::StatusCode::kResourceExhausted) << *end;
  EXPECT_NE(end->message().find("slow consumer"), std::string_view::npos);
  EXPECT_GT(events, 0);
  EXPECT_LT(events, posted);
}

TEST_F(ChatServiceTest, AMemberLeavesWhenItCancelsItsStream) {
  TestMember& alice = addMember("lobby", "alice");
  TestMember& bob = addMember("lobby", "bob");
  ASSERT_TRUE(alice.join());
  ASSERT_TRUE(bob.join());
  bob.cancel();
  // No post needed: the sweep notices in a quiet room.
  EXPECT_EQ(alice.waitForLeave("bob"), "left");
  EXPECT_EQ(bob.waitForFinish()->code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(*server_.service().rooms().members("lobby"), (std::vector<std::string>{"alice"}));
  EXPECT_EQ(bob.post("hi").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ChatServiceTest, AMemberLeavesWhenItsConnectionDrops) {
  TestMember& alice = addMember("lobby", "alice");
  TestMember& bob = addMember("lobby", "bob");
  ASSERT_TRUE(alice.join());
  ASSERT_TRUE(bob.join());
  bob.disconnect();
  EXPECT_EQ(alice.waitForLeave("bob"), "left");

  // A raw client that closes its socket leaves too.
  {
    StalledClient raw(address_, "lobby", "raw");
    ASSERT_TRUE(raw.connected());
    ASSERT_TRUE(alice.waitUntil([](const TestMember::State& s) {
      return !s.events.empty() && s.events.back().has_join() &&
             s.events.back().join().name() == "raw";
    }));
  }
  EXPECT_EQ(alice.waitForLeave("raw"), "left");
  EXPECT_EQ(*server_.service().rooms().members("lobby"), (std::vector<std::string>{"alice"}));
}

TEST_F(ChatServiceTest, ANameIsTakenWhileItsMemberIsInTheRoomAndFreeAfterItLeaves) {
  TestMember& bob = addMember("lobby", "bob");
  ASSERT_TRUE(bob.join());
  TestMember& first = addMember("lobby", "alice");
  ASSERT_TRUE(first.join());
  TestMember& taken = addMember("lobby", "alice");
  taken.startJoin();
  EXPECT_EQ(taken.waitForFinish()->code(), absl::StatusCode::kAlreadyExists);
  first.disconnect();
  EXPECT_EQ(bob.waitForLeave("alice"), "left");
  ASSERT_TRUE(addMember("lobby", "alice").join());
}

TEST_F(ChatServiceTest, ListsRoomsWithTheirSizesAndMembersInJoinOrder) {
  ASSERT_TRUE(addMember("lobby", "alice").join());
  ASSERT_TRUE(addMember("lobby", "bob").join());
  ASSERT_TRUE(addMember("attic", "carol").join());
  auto& stub = members_[0]->stub();

  ListRoomsResponse rooms;
  ASSERT_TRUE(stub.ListRooms(ListRoomsRequest(), &rooms).ok());
  ASSERT_EQ(rooms.rooms_size(), 2);
  EXPECT_EQ(rooms.rooms(0).name(), "attic");
  EXPECT_EQ(rooms.rooms(0).members(), 1);
  EXPECT_EQ(rooms.rooms(1).name(), "lobby");
  EXPECT_EQ(rooms.rooms(1).members(), 2);

  ListMembersRequest request;
  request.set_room("lobby");
  ListMembersResponse members;
  ASSERT_TRUE(stub.ListMembers(request, &members).ok());
  EXPECT_EQ(std::vector<std::string>(members.names().begin(), members.names().end()),
            (std::vector<std::string>{"alice", "bob"}));
  request.set_room("cellar");
  EXPECT_EQ(stub.ListMembers(request, &members).code(), absl::StatusCode::kNotFound);
}

TEST_F(ChatServiceTest, BadRequestsAreRefusedWithTheirCodes) {
  TestMember& alice = addMember("lobby", "alice");
  ASSERT_TRUE(alice.join());
  EXPECT_EQ(alice.post(std::string(64 * 1024 + 1, 'x')).status().code(),
            absl::StatusCode::kInvalidArgument);
  TestMember& nameless = addMember("lobby", "");
  nameless.startJoin();
  EXPECT_EQ(nameless.waitForFinish()->code(), absl::StatusCode::kInvalidArgument);
  TestMember& stranger = addMember("lobby", "mallory");
  EXPECT_EQ(stranger.post("hi").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ChatServiceTest, CloseAllEndsEveryStreamSoShutdownNeedNotWait) {
  TestMember& alice = addMember("lobby", "alice");
  ASSERT_TRUE(alice.join());
  CountDownLatch shutDown(1);
  const auto start = std::chrono::steady_clock::now();
  server_.loop()->runInLoop([this, &shutDown] {
    server_.service().closeAll(absl::UnavailableError("server shutting down"));
    server_.server().shutdown(5s, [&shutDown] { shutDown.countDown(); });
  });
  ASSERT_TRUE(shutDown.waitFor(kWait));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s) << "shutdown waited out its grace";
  const auto finished = alice.waitForFinish();
  ASSERT_TRUE(finished.has_value());
  EXPECT_EQ(finished->code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(finished->message(), "server shutting down");
}

}  // namespace
}  // namespace muduo::chat
