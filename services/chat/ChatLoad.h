// ChatLoad: chat_client's load mode, for the deliveries/s benchmark.
//
// Joins `members` members to one room, each on its own connection, then has
// the first member post `posts` texts. Posting is paced by delivery: at most
// `window` posts may be out before every member has received them, so the
// run measures what the server sustains without any member's backlog
// growing (and without it dropping anyone as a slow consumer). Every member
// checks it gets every post, in order.
//
// Thread contract: run() from any thread but `loop`'s; the members live in
// `loop`, which must be running.
#ifndef SERVICES_CHAT_CHATLOAD_H_
#define SERVICES_CHAT_CHATLOAD_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "muduo/base/Histogram.h"
#include "muduo/net/InetAddress.h"

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::chat {

class ChatLoad {
 public:
  struct Options {
    int members = 100;
    int64_t posts = 10000;
    int window = 64;
    size_t textBytes = 64;
    std::string room;  // empty: a room of its own, "bench-<pid>"
    std::chrono::seconds timeout{120};
  };

  struct Result {
    std::string error;  // empty when every post reached every member in order
    int64_t posts = 0;
    int64_t deliveries = 0;
    double seconds = 0;
    // From a post's sending to its arrival at the last member, in ns.
    muduo::Histogram fanOutNs;

    [[nodiscard]] bool ok() const { return error.empty(); }
    [[nodiscard]] double deliveriesPerSecond() const {
      return seconds > 0 ? static_cast<double>(deliveries) / seconds : 0;
    }
    // "100 members, 20000 posts, 2000000 deliveries in 1.23 s: 1626016
    // deliveries/s (16260 posts/s); fan-out p50 ... us"
    [[nodiscard]] std::string summary(int members) const;
  };

  [[nodiscard]] static Result run(net::EventLoop* loop, const net::InetAddress& server,
                                  const Options& options);

  ChatLoad() = delete;
};

}  // namespace muduo::chat

#endif  // SERVICES_CHAT_CHATLOAD_H_
