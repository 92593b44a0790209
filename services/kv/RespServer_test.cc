// RespServer over raw loopback sockets: what redis-cli and redis-benchmark
// rely on (inline and multibulk requests, pipelining with replies in order
// even though writes are acknowledged after fsync), the errors, and a
// malformed request closing only its own connection.
#include "services/kv/RespServer.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "services/kv/Store.h"

namespace muduo::kv {
namespace {

using namespace std::chrono_literals;
constexpr auto kWait = 10s;

// A blocking client socket; every read gives up after kWait.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    timeval tv{static_cast<time_t>(kWait.count()), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  [[nodiscard]] bool connected() const { return connected_; }

  void send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      ASSERT_GT(n, 0) << "send failed: " << strerror(errno);
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Reads exactly `n` bytes, or what came before EOF / the timeout.
  std::string read(size_t n) {
    std::string out;
    char buf[65536];
    while (out.size() < n) {
      const ssize_t got = ::read(fd_, buf, std::min(sizeof buf, n - out.size()));
      if (got <= 0) break;
      out.append(buf, static_cast<size_t>(got));
    }
    return out;
  }

  // Sends `request` and expects exactly `reply` back.
  void roundTrip(std::string_view request, std::string_view reply) {
    send(request);
    EXPECT_EQ(read(reply.size()), reply) << "for request " << request;
  }

  // True if the server closed the connection (EOF) within kWait.
  bool readsEof() {
    char c;
    return ::read(fd_, &c, 1) == 0;
  }

 private:
  int fd_;
  bool connected_;
};

std::string command(std::initializer_list<std::string_view> args) {
  std::string out = absl::StrCat("*", args.size(), "\r\n");
  for (std::string_view arg : args) {
    absl::StrAppend(&out, "$", arg.size(), "\r\n", std::string(arg), "\r\n");
  }
  return out;
}

std::string bulk(std::string_view value) {
  return absl::StrCat("$", value.size(), "\r\n", std::string(value), "\r\n");
}

class RespServerTest : public ::testing::TestWithParam<SyncMode> {
 protected:
  void SetUp() override {
    const char* tmp = ::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/resp_server_test_", counter_++);
    std::filesystem::remove_all(dir_);
    Store::Options options;
    options.dir = dir_;
    options.sync = GetParam();
    auto store = Store::open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    loop_ = thread_.startLoop();
    run([this] {
      server_ = std::make_unique<RespServer>(loop_, net::InetAddress(0, true), store_.get());
      server_->setThreadNum(2);
      server_->start();
      port_ = server_->listenAddress().port();
    });
  }

  void TearDown() override {
    run([this] { server_.reset(); });
    for (int i = 0; i < 3; ++i) run([] {});
    store_.reset();
  }

  template <typename F>
  void run(F f) {
    std::promise<void> ran;
    loop_->runInLoop([&] {
      f();
      ran.set_value();
    });
    ASSERT_EQ(ran.get_future().wait_for(kWait), std::future_status::ready);
  }

  static inline int counter_ = 0;
  std::string dir_;
  std::unique_ptr<Store> store_;
  net::EventLoopThread thread_;
  net::EventLoop* loop_ = nullptr;
  std::unique_ptr<RespServer> server_;
  uint16_t port_ = 0;
};

INSTANTIATE_TEST_SUITE_P(SyncModes, RespServerTest,
                         ::testing::Values(SyncMode::kBatch, SyncMode::kNone),
                         [](const auto& info) { return std::string(syncModeName(info.param)); });

TEST_P(RespServerTest, PingAnswersInlineAndMultibulkRequests) {
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  client.roundTrip("PING\r\n", "+PONG\r\n");
  client.roundTrip(command({"PING"}), "+PONG\r\n");
  client.roundTrip("ping hello\n", bulk("hello"));
  client.roundTrip(command({"PING", "a", "b"}),
                   "-ERR wrong number of arguments for 'ping' command\r\n");
}

TEST_P(RespServerTest, SetThenGetRoundTripsBinaryValues) {
  RawClient client(port_);
  const std::string value("a\r\n\0\xff", 5);
  client.roundTrip(command({"GET", "k"}), "$-1\r\n");
  client.roundTrip(command({"SET", "k", value}), "+OK\r\n");
  client.roundTrip(command({"GET", "k"}), bulk(value));
  client.roundTrip("SET k2 \"x y\"\r\n", "+OK\r\n");
  client.roundTrip("get k2\r\n", bulk("x y"));
}

TEST_P(RespServerTest, PipelinedMixedCommandsAnswerInOrderAndSeeTheirOwnWrites) {
  RawClient client(port_);
  const std::string requests =
      command({"SET", "a", "1"}) + command({"GET", "a"}) + command({"INCR", "n"}) +
      command({"INCR", "n"}) + command({"GET", "n"}) + "PING\r\n" +
      command({"MSET", "x", "10", "y", "20"}) + command({"MGET", "a", "x", "y", "nope"}) +
      command({"DEL", "a", "x", "nope"}) + command({"EXISTS", "a", "y", "y"}) +
      command({"GET", "a"}) + command({"SET", "y", "new", "NX"}) +
      command({"SET", "z", "new", "NX"}) + command({"SET", "w", "v", "XX"}) +
      command({"INCR", "z"}) + command({"GET", "z"});
  const std::string replies = "+OK\r\n" + bulk("1") + ":1\r\n:2\r\n" + bulk("2") + "+PONG\r\n" +
                              "+OK\r\n" + "*4\r\n" + bulk("1") + bulk("10") + bulk("20") +
                              "$-1\r\n" + ":2\r\n" + ":2\r\n" + "$-1\r\n" + "$-1\r\n" + "+OK\r\n" +
                              "$-1\r\n" + "-ERR value is not an integer or out of range\r\n" +
                              bulk("new");
  client.roundTrip(requests, replies);
}

TEST_P(RespServerTest, ThousandsOfPipelinedSetsAndGetsAllAnswerInOrder) {
  RawClient client(port_);
  constexpr int kCount = 3000;
  std::string requests;
  std::string replies;
  for (int i = 0; i < kCount; ++i) {
    requests += command({"SET", absl::StrCat("key", i), absl::StrCat("value", i)});
    replies += "+OK\r\n";
  }
  for (int i = 0; i < kCount; ++i) {
    requests += command({"GET", absl::StrCat("key", i)});
    replies += bulk(absl::StrCat("value", i));
  }
  client.roundTrip(requests, replies);
}

TEST_P(RespServerTest, IncrIsAtomicAcrossConnections) {
  constexpr int kClients = 4;
  constexpr int kEach = 250;
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([this] {
      RawClient client(port_);
      std::string requests;
      for (int i = 0; i < kEach; ++i) requests += command({"INCR", "counter"});
      client.send(requests);
      int64_t last = 0;
      for (int i = 0; i < kEach; ++i) {
        std::string line;
        while (line.empty() || line.back() != '\n') line += client.read(1);
        ASSERT_EQ(line[0], ':') << line;
        const int64_t value = std::stoll(line.substr(1));
        EXPECT_GT(value, last) << "one connection's increments come back in order";
        last = value;
      }
    });
  }
  for (auto& t : threads) t.join();
  RawClient client(port_);
  client.roundTrip(command({"GET", "counter"}), bulk(std::to_string(kClients * kEach)));
}

TEST_P(RespServerTest, MgetSeesAnMsetWholeOrNotAtAll) {
  RawClient writer(port_);
  writer.roundTrip(command({"MSET", "a", "0", "b", "0"}), "+OK\r\n");
  constexpr int kSets = 300;
  std::thread writes([&] {
    std::string requests;
    std::string replies;
    for (int i = 1; i <= kSets; ++i) {
      requests += command({"MSET", "a", std::to_string(i), "b", std::to_string(i)});
      replies += "+OK\r\n";
    }
    writer.roundTrip(requests, replies);
  });
  RawClient reader(port_);
  int torn = 0;
  for (int i = 0; i < kSets; ++i) {
    reader.send(command({"MGET", "a", "b"}));
    std::string reply;
    // "*2\r\n$<n>\r\n<a>\r\n$<n>\r\n<b>\r\n": read its five lines.
    for (int lines = 0; lines < 5;) {
      reply += reader.read(1);
      if (reply.ends_with("\r\n")) ++lines;
      if (reply.size() > 100) break;
    }
    const size_t firstValue = reply.find("\r\n", 4) + 2;
    const std::string a = reply.substr(firstValue, reply.find("\r\n", firstValue) - firstValue);
    const std::string b = reply.substr(reply.rfind("\r\n", reply.size() - 3) + 2);
    if (a + "\r\n" != b) ++torn;
  }
  writes.join();
  EXPECT_EQ(torn, 0) << "MGET saw one key of an MSET without the other";
}

TEST_P(RespServerTest, ErrorsForUnknownCommandsAndBadArgumentsKeepTheConnection) {
  RawClient client(port_);
  client.roundTrip(command({"FLUSHALL"}),
                   "-ERR unknown command 'FLUSHALL', with args beginning with: \r\n");
  client.roundTrip("foo bar baz\r\n",
                   "-ERR unknown command 'foo', with args beginning with: 'bar' 'baz' \r\n");
  client.roundTrip(command({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  client.roundTrip(command({"MSET", "a"}), "-ERR wrong number of arguments for 'mset' command\r\n");
  client.roundTrip(command({"SET", "k", "v", "EX", "10"}),
                   "-ERR SET option EX is not supported\r\n");
  client.roundTrip(command({"SET", "k", "v", "BOGUS"}), "-ERR syntax error\r\n");
  client.roundTrip(command({"SET", std::string(64 * 1024 + 1, 'k'), "v"}),
                   "-ERR key is over the limit of 65536 bytes\r\n");
  client.roundTrip(command({"SET", "big", "9223372036854775807"}), "+OK\r\n");
  client.roundTrip(command({"INCR", "big"}), "-ERR increment or decrement would overflow\r\n");
  client.roundTrip("PING\r\n", "+PONG\r\n");
}

TEST_P(RespServerTest, MalformedInputClosesOnlyThatConnection) {
  RawClient good(port_);
  good.roundTrip(command({"SET", "k", "v"}), "+OK\r\n");
  RawClient bad(port_);
  bad.roundTrip("*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n");
  EXPECT_TRUE(bad.readsEof());
  RawClient worse(port_);
  worse.roundTrip("*2\r\n$3\r\nGET\r\n:1\r\n", "-ERR Protocol error: expected '$', got ':'\r\n");
  EXPECT_TRUE(worse.readsEof());
  good.roundTrip(command({"GET", "k"}), bulk("v"));
}

TEST_P(RespServerTest, ReadsReplyStillQueuedBehindAMalformedRequestsWrites) {
  RawClient client(port_);
  client.roundTrip(command({"SET", "a", "1"}) + command({"GET", "a"}) + "*1\r\n$-3\r\n",
                   "+OK\r\n" + bulk("1") + "-ERR Protocol error: invalid bulk length\r\n");
  EXPECT_TRUE(client.readsEof());
}

TEST_P(RespServerTest, QuitAnswersOkAndCloses) {
  RawClient client(port_);
  client.roundTrip(command({"SET", "q", "1"}) + "QUIT\r\n" + "PING\r\n", "+OK\r\n+OK\r\n");
  EXPECT_TRUE(client.readsEof());
}

TEST_P(RespServerTest, LargeValuesArriveInPiecesAndReturnWhole) {
  RawClient client(port_);
  const std::string value(3 << 20, 'v');
  client.roundTrip(command({"SET", "large", value}), "+OK\r\n");
  client.roundTrip(command({"GET", "large"}), bulk(value));
}

TEST_P(RespServerTest, AClientLeavingWithWritesInFlightHurtsNobody) {
  {
    RawClient client(port_);
    std::string requests;
    for (int i = 0; i < 500; ++i) requests += command({"SET", absl::StrCat("gone", i), "v"});
    client.send(requests);
  }  // closed without reading a reply
  RawClient next(port_);
  next.roundTrip(command({"PING"}), "+PONG\r\n");
  next.roundTrip(command({"SET", "after", "1"}) + command({"GET", "after"}), "+OK\r\n" + bulk("1"));
}

}  // namespace
}  // namespace muduo::kv

namespace muduo::kv {
namespace {

TEST_P(RespServerTest, ClientsThatNeverFinishACommandAreClosedByTheRequestDeadline) {
  constexpr int kSlow = 100;
  std::unique_ptr<RespServer> strict;
  uint16_t port = 0;
  run([&] {
    net::ConnectionOptions options = RespServer::defaultConnectionOptions();
    options.requestTimeout = 300ms;
    strict = std::make_unique<RespServer>(loop_, net::InetAddress(0, true), store_.get(), options);
    strict->start();
    port = strict->listenAddress().port();
  });
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<RawClient>(port));
    ASSERT_TRUE(slow.back()->connected());
    slow.back()->send("*2\r\n$3\r\nGET\r\n$5\r\nke");  // and nothing more
  }
  RawClient prompt(port);
  ASSERT_TRUE(prompt.connected());
  for (int i = 0; i < 10; ++i) {
    prompt.roundTrip(command({"PING"}), "+PONG\r\n");
    std::this_thread::sleep_for(50ms);
  }
  for (auto& client : slow) EXPECT_TRUE(client->readsEof());
  prompt.roundTrip(command({"PING"}), "+PONG\r\n");
  run([&] { strict.reset(); });
}

}  // namespace
}  // namespace muduo::kv
