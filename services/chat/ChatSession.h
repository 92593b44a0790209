// ChatSession: chat_client's interactive mode. One member of one room on its
// own connection: it joins, prints every event of the room as a line, posts
// the lines it is given and runs a few slash commands.
//
//   [14:03:07] alice: hello          a post, with the server's time (local)
//   * bob joined
//   * bob left (slow consumer: 1048700 bytes unread)
//
// Commands: /who (members of the room), /rooms (rooms and their sizes),
// /quit. A line starting with "//" posts the rest after one "/".
//
// Thread contract: construct, join(), handleLine(), leave() and destroy in one
// thread that is not `loop`'s; `print` is called from that thread and from
// the loop thread, one line per call, never concurrently with itself.
#ifndef SERVICES_CHAT_CHATSESSION_H_
#define SERVICES_CHAT_CHATSESSION_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/InetAddress.h"
#include "rpc/CallOptions.h"
#include "services/chat/chat.pb.h"

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::rpc {
class ClientStream;
class RpcChannel;
}  // namespace muduo::rpc

namespace muduo::chat {

class ChatSession {
 public:
  using Printer = std::function<void(std::string_view line)>;

  ChatSession(net::EventLoop* loop, const net::InetAddress& server, std::string room,
              std::string name, Printer print, std::chrono::milliseconds timeout);
  ~ChatSession();
  ChatSession(const ChatSession&) = delete;
  ChatSession& operator=(const ChatSession&) = delete;

  // Joins the room and waits until the member's own join has come back.
  [[nodiscard]] absl::Status join();

  enum class Next { kContinue, kQuit };
  // Posts `line`, or runs it if it is a command. Errors are printed.
  Next handleLine(std::string_view line);

  // Waits until the member has seen every post it made come back (so a
  // session fed from a pipe shows its own posts), up to the timeout.
  [[nodiscard]] bool waitForOwnPosts();

  // Leaves the room (cancels the stream) and waits for the stream to end.
  void leave();

  // The stream ended from the server's side (dropped, shut down, connection
  // lost): the session is over. Any thread.
  [[nodiscard]] std::optional<absl::Status> ended() const;

  // How an event is printed.
  [[nodiscard]] static std::string format(const Event& event);

 private:
  struct State;

  // Waits on the state's condition, up to the timeout, until done() holds;
  // done() runs under the state's lock.
  template <typename Done>
  bool waitUntil(Done done);
  void post(std::string_view text);
  void printMembers();
  void printRooms();

  const std::string room_;
  const std::string name_;
  const Printer print_;
  const std::chrono::milliseconds timeout_;
  rpc::CallOptions callOptions_;
  std::unique_ptr<rpc::RpcChannel> channel_;
  std::unique_ptr<rpc::ClientStream> stream_;
  std::shared_ptr<State> state_;  // shared with the stream's handlers
  uint64_t lastPostSeq_ = 0;      // the seq of this member's latest post
};

}  // namespace muduo::chat

#endif  // SERVICES_CHAT_CHATSESSION_H_
