// chat_client: a chat room in the terminal, or a load for the benchmark.
//   chat_client --server=127.0.0.1:9092 --room=lobby --name=alice
//       type a line to post it; everyone's posts, joins and leaves are
//       printed as they arrive; /who, /rooms, /quit; EOF leaves.
//   chat_client --bench_members=100 --bench_posts=20000
//       prints deliveries/s.
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "muduo/base/ProgramFlags.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/HostPort.h"
#include "muduo/net/InetAddress.h"
#include "services/chat/ChatLoad.h"
#include "services/chat/ChatSession.h"

ABSL_FLAG(std::string, server, "127.0.0.1:9092", "chat_server address, host:port");
ABSL_FLAG(std::string, room, "lobby", "the room to join");
ABSL_FLAG(std::string, name, "", "your name in the room; default $USER");
ABSL_FLAG(double, timeout, 5, "deadline in seconds for each call and for joining");
ABSL_FLAG(int, bench_members, 0, "load mode: members to join (0: interactive)");
ABSL_FLAG(int64_t, bench_posts, 10000, "load mode: posts to deliver to every member");
ABSL_FLAG(int, bench_window, 64, "load mode: posts out before every member has them");
ABSL_FLAG(int, bench_text_bytes, 64, "load mode: padding in each post's text");

namespace {

int runBench(muduo::net::EventLoop* loop, const muduo::net::InetAddress& server) {
  muduo::chat::ChatLoad::Options options;
  options.members = absl::GetFlag(FLAGS_bench_members);
  options.posts = absl::GetFlag(FLAGS_bench_posts);
  options.window = absl::GetFlag(FLAGS_bench_window);
  options.textBytes = static_cast<size_t>(absl::GetFlag(FLAGS_bench_text_bytes));
  const auto result = muduo::chat::ChatLoad::run(loop, server, options);
  if (!result.ok()) {
    fprintf(stderr, "chat_client: load failed: %s\n", result.error.c_str());
    return 1;
  }
  printf("chat load: %s\n", result.summary(options.members).c_str());
  return 0;
}

// Reads stdin without blocking the exit when the server ends the session.
// Returns false at EOF or on /quit.
bool readLines(muduo::chat::ChatSession& session, std::string* pending) {
  pollfd in{STDIN_FILENO, POLLIN, 0};
  const int ready = ::poll(&in, 1, 200);
  if (ready < 0 && errno != EINTR) return false;
  if (ready <= 0) return true;
  char chunk[4096];
  const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) {
    // A last line without its newline is still a line.
    if (!pending->empty()) session.handleLine(*pending);
    pending->clear();
    return false;
  }
  pending->append(chunk, static_cast<size_t>(n));
  size_t start = 0;
  for (size_t eol; (eol = pending->find('\n', start)) != std::string::npos; start = eol + 1) {
    const std::string_view line(pending->data() + start, eol - start);
    if (session.handleLine(line) == muduo::chat::ChatSession::Next::kQuit) return false;
  }
  pending->erase(0, start);
  return true;
}

}  // namespace

int main(int argc, char* argv[]) {
  muduo::parseProgramFlags(
      argc, argv,
      {"chat_client [flags]",
       "A chat room in the terminal: type a line to post it, see everyone's posts as they "
       "arrive; /who, /rooms, /quit. With --bench_members, a load that prints deliveries/s.",
       {"chat_client --room=lobby --name=alice",
        "chat_client --bench_members=50 --bench_posts=10000"}});
  const absl::StatusOr<muduo::net::InetAddress> server =
      muduo::net::HostPort::resolve(absl::GetFlag(FLAGS_server));
  if (!server.ok()) {
    muduo::exitWithUsageError("chat_client", absl::StrCat("--server: ", server.status().message()));
  }
  muduo::net::EventLoopThread loopThread;
  muduo::net::EventLoop* loop = loopThread.startLoop();
  if (absl::GetFlag(FLAGS_bench_members) > 0) return runBench(loop, *server);

  std::string name = absl::GetFlag(FLAGS_name);
  if (name.empty() && std::getenv("USER") != nullptr) name = std::getenv("USER");
  if (name.empty()) name = "guest";
  const auto timeout =
      std::chrono::milliseconds(static_cast<int64_t>(absl::GetFlag(FLAGS_timeout) * 1000));
  muduo::chat::ChatSession session(
      loop, *server, absl::GetFlag(FLAGS_room), name,
      [](std::string_view line) {
        fwrite(line.data(), 1, line.size(), stdout);
        fputc('\n', stdout);
        fflush(stdout);
      },
      timeout);
  if (const absl::Status status = session.join(); !status.ok()) {
    fprintf(stderr, "chat_client: cannot join %s as %s: %s\n", absl::GetFlag(FLAGS_room).c_str(),
            name.c_str(), status.ToString().c_str());
    return 1;
  }
  std::string pending;
  while (!session.ended() && readLines(session, &pending)) {
  }
  if (const auto ended = session.ended()) return 1;  // the server ended it; already printed
  if (!session.waitForOwnPosts()) fprintf(stderr, "chat_client: some posts did not come back\n");
  session.leave();
  return 0;
}
