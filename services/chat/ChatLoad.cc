#include "services/chat/ChatLoad.h"

#include <unistd.h>

#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/net/EventLoop.h"
#include "rpc/ClientStream.h"
#include "rpc/RpcChannel.h"
#include "services/chat/chat.rpc.h"

namespace muduo::chat {
namespace {

using Clock = std::chrono::steady_clock;

// The run's state. Built and torn down by run()'s thread while no member is
// connected; everything in between happens in the loop thread.
struct Run {
  Run(const ChatLoad::Options& o, std::string roomName)
      : options(o), room(std::move(roomName)), reached(static_cast<size_t>(o.posts) + 1, 0) {}

  struct Member {
    std::unique_ptr<rpc::RpcChannel> channel;
    std::unique_ptr<ChatService::Stub> stub;
    std::optional<rpc::ClientStream> stream;
    bool joined = false;
    int64_t received = 0;  // posts
  };

  const ChatLoad::Options& options;
  const std::string room;
  std::vector<Member> members;
  int joined = 0;
  int64_t posted = 0;
  int64_t delivered = 0;  // posts every member has received
  // reached[k]: how many members have received post k (1-based).
  std::vector<int> reached;
  std::vector<Clock::time_point> sentAt;
  Clock::time_point start;
  ChatLoad::Result result;
  bool over = false;
  CountDownLatch done{1};

  void startJoin(size_t i) {
    JoinRequest request;
    request.set_room(room);
    request.set_name(absl::StrCat("m", i));
    members[i].stream.emplace(members[i].stub->Join(
        request, [this, i](const Event& event) { onEvent(i, event); },
        [this, i](absl::Status status) {
          if (!over) fail(absl::StrCat("m", i, "'s stream ended: ", status.ToString()));
        }));
  }

  void onEvent(size_t i, const Event& event) {
    Member& member = members[i];
    if (!member.joined) {
      member.joined = true;
      if (++joined == options.members) {
        start = Clock::now();
        sendPosts();
      }
      return;
    }
    if (!event.has_post() || over) return;
    const int64_t k = ++member.received;
    // The text starts with the post's number: in order, none missing.
    if (!absl::StartsWith(event.post().text(), absl::StrCat(k - 1, " "))) {
      fail(absl::StrCat("m", i, " got post \"", event.post().text().substr(0, 20), "\" where post ",
                        k - 1, " was due"));
      return;
    }
    if (k > options.posts) return;
    if (++reached[static_cast<size_t>(k)] == options.members) {
      delivered = k;
      result.fanOutNs.record(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 Clock::now() - sentAt[static_cast<size_t>(k - 1)])
                                 .count());
      if (delivered == options.posts) {
        finish();
      } else {
        sendPosts();
      }
    }
  }

  void sendPosts() {
    const std::string padding(options.textBytes, '.');
    while (posted < options.posts && posted - delivered < options.window) {
      PostRequest request;
      request.set_room(room);
      request.set_name("m0");
      request.set_text(absl::StrCat(posted, " ", padding));
      sentAt.push_back(Clock::now());
      ++posted;
      members[0].stub->AsyncPost(request, [this](absl::Status status, PostResponse*) {
        if (!status.ok()) fail(absl::StrCat("a post failed: ", status.ToString()));
      });
    }
  }

  void finish() {
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    result.posts = delivered;
    result.deliveries = delivered * options.members;
    over = true;
    done.countDown();
  }

  void fail(std::string error) {
    if (over) return;
    result.error = std::move(error);
    over = true;
    done.countDown();
  }
};

}  // namespace

std::string ChatLoad::Result::summary(int members) const {
  auto us = [](int64_t ns) { return static_cast<double>(ns) / 1000.0; };
  return absl::StrFormat(
      "%d members, %d posts, %d deliveries in %.2f s: %.0f deliveries/s (%.0f posts/s); "
      "fan-out p50 %.0f p99 %.0f max %.0f us",
      members, posts, deliveries, seconds, deliveriesPerSecond(),
      seconds > 0 ? static_cast<double>(posts) / seconds : 0, us(fanOutNs.percentile(0.5)),
      us(fanOutNs.percentile(0.99)), us(fanOutNs.max()));
}

ChatLoad::Result ChatLoad::run(net::EventLoop* loop, const net::InetAddress& server,
                               const Options& options) {
  if (options.members < 1 || options.posts < 1 || options.window < 1) {
    Result result;
    result.error = "members, posts and window must be positive";
    return result;
  }
  Run run(options, options.room.empty() ? absl::StrCat("bench-", ::getpid()) : options.room);
  run.members.resize(static_cast<size_t>(options.members));
  run.sentAt.reserve(static_cast<size_t>(options.posts));
  for (auto& member : run.members) {
    member.channel = std::make_unique<rpc::RpcChannel>(loop, server);
    member.stub = std::make_unique<ChatService::Stub>(member.channel.get());
    member.channel->connect();
  }
  loop->runInLoop([&run] {
    for (size_t i = 0; i < run.members.size(); ++i) run.startJoin(i);
  });
  if (!run.done.waitFor(options.timeout)) {
    loop->runInLoop([&run] {
      run.fail(absl::StrCat("timed out: ", run.joined, " members joined, ", run.delivered, " of ",
                            run.options.posts, " posts delivered to all"));
    });
    run.done.wait();
  }
  // Destroying a channel ends its member's stream; `over` keeps that quiet.
  for (auto& member : run.members) member.channel.reset();
  return run.result;
}

}  // namespace muduo::chat
