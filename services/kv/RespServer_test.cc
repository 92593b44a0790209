// RespServer over raw loopback sockets: what redis-cli and redis-benchmark
// rely on (inline and multibulk requests, pipelining with replies in order
// even though writes are acknowledged after fsync), the errors, and a
// malformed request closing only its own connection.
#include "services/kv/RespServer.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "services/kv/Store.h"
#include "services/kv/testing/RespRawClient.h"
#include "services/kv/testing/TestLog.h"

namespace muduo::kv {
namespace {

using namespace std::chrono_literals;
using resp_test::ask;
using resp_test::bulk;
using resp_test::command;
using resp_test::kWait;
using resp_test::readReply;
using RawClient = resp_test::RespRawClient;

class RespServerTest : public ::testing::TestWithParam<SyncMode> {
 protected:
  void SetUp() override {
    auto store = testing::openTestStore("resp_server_test", GetParam(), &dir_);
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

TEST_P(RespServerTest, CommandNamesMatchInAnyCaseAndANearMissIsUnknownWithinOnePipeline) {
  // The session remembers the last name it looked up; a pipeline that
  // changes case, or sends a name sharing its prefix, must not fool it.
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  client.roundTrip(command({"SET", "k", "1"}) + command({"set", "k", "2"}) +
                       command({"SETX", "k", "3"}) + command({"SeT", "k", "4"}) +
                       command({"SE", "k"}) + command({"get", "k"}) + command({"GET", "k"}) +
                       command({"GETS", "k"}),
                   "+OK\r\n+OK\r\n-ERR unknown command 'SETX', with args beginning with: 'k' "
                   "'3' \r\n+OK\r\n-ERR unknown command 'SE', with args beginning with: 'k' \r\n" +
                       bulk("4") + bulk("4") +
                       "-ERR unknown command 'GETS', with args beginning with: 'k' \r\n");
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
  client.roundTrip(command({"LPUSH", "list", "x"}),
                   "-ERR unknown command 'LPUSH', with args beginning with: 'list' 'x' \r\n");
  client.roundTrip("foo bar baz\r\n",
                   "-ERR unknown command 'foo', with args beginning with: 'bar' 'baz' \r\n");
  client.roundTrip(command({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  client.roundTrip(command({"MSET", "a"}), "-ERR wrong number of arguments for 'mset' command\r\n");
  client.roundTrip(command({"SET", "k", "v", "EX", "0"}),
                   "-ERR invalid expire time in 'set' command\r\n");
  client.roundTrip(command({"SET", "k", "v", "EX", "10", "PX", "10"}), "-ERR syntax error\r\n");
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

namespace muduo::kv {
namespace {

// Reads one whole RESP reply (any type, nested) from `client`.
TEST_P(RespServerTest, AnHttpPostClosesTheConnectionWithoutRunningItsBody) {
  RawClient browser(port_);
  browser.send(
      "POST / HTTP/1.1\r\nHost: 127.0.0.1:6380\r\nContent-Type: text/plain\r\n\r\n"
      "SET pwned 1\r\n");
  EXPECT_TRUE(browser.readsEof());
  RawClient header(port_);
  header.send("Host: 127.0.0.1\r\nSET pwned 1\r\n");
  EXPECT_TRUE(header.readsEof());
  RawClient good(port_);
  good.roundTrip(command({"GET", "pwned"}), "$-1\r\n");
}

TEST_P(RespServerTest, AReplyOverTheOutputLimitClosesThatConnectionAndOnlyIt) {
  std::unique_ptr<RespServer> limited;
  uint16_t port = 0;
  run([&] {
    RespServerState::Options options;
    options.outputLimitBytes = 1 << 20;
    limited = std::make_unique<RespServer>(loop_, net::InetAddress(0, true), store_.get(),
                                           RespServer::defaultConnectionOptions(), options);
    limited->setThreadNum(1);
    limited->start();
    port = limited->listenAddress().port();
  });
  RawClient client(port);
  const std::string big(256 << 10, 'b');
  client.roundTrip(command({"SET", "big", big}), "+OK\r\n");
  // 64 copies: 16 MiB of reply against a 1 MiB limit.
  std::string mget = absl::StrCat("*65\r\n$4\r\nMGET\r\n");
  for (int i = 0; i < 64; ++i) mget += "$3\r\nbig\r\n";
  client.send(mget);
  std::string got;
  for (int i = 0; i < 1000; ++i) {
    const std::string piece = client.read(64 << 10);
    if (piece.empty()) break;
    got += piece;
  }
  EXPECT_TRUE(client.readsEof());
  EXPECT_LT(got.size(), size_t{64} * big.size()) << "the whole reply was built and sent";
  // KEYS is bounded the same way; the server serves everyone else.
  RawClient other(port);
  other.roundTrip(command({"PING"}), "+PONG\r\n");
  other.roundTrip(command({"STRLEN", "big"}), absl::StrCat(":", big.size(), "\r\n"));
  run([&] { limited.reset(); });
}

TEST_P(RespServerTest, StringCommandsAnswerAsRedisDoes) {
  RawClient c(port_);
  c.roundTrip(command({"SETNX", "s", "1"}) + command({"SETNX", "s", "2"}), ":1\r\n:0\r\n");
  c.roundTrip(command({"GETSET", "s", "3"}), bulk("1"));
  c.roundTrip(command({"SET", "s", "4", "GET"}), bulk("3"));
  c.roundTrip(command({"SET", "s", "5", "NX", "GET"}), bulk("4"));
  c.roundTrip(command({"GETDEL", "s"}) + command({"GETDEL", "s"}), bulk("4") + "$-1\r\n");
  c.roundTrip(command({"APPEND", "a", "Hello"}) + command({"APPEND", "a", " World"}),
              ":5\r\n:11\r\n");
  c.roundTrip(command({"GETRANGE", "a", "0", "4"}) + command({"GETRANGE", "a", "-5", "-1"}) +
                  command({"GETRANGE", "a", "5", "1"}),
              bulk("Hello") + bulk("World") + bulk(""));
  c.roundTrip(command({"SETRANGE", "a", "6", "Redis"}) + command({"GET", "a"}),
              ":11\r\n" + bulk("Hello Redis"));
  c.roundTrip(command({"SETRANGE", "z", "2", "x"}) + command({"GET", "z"}),
              ":3\r\n" + bulk(std::string("\0\0x", 3)));
  c.roundTrip(command({"SETRANGE", "a", "-1", "x"}), "-ERR offset is out of range\r\n");
  c.roundTrip(command({"STRLEN", "a"}) + command({"STRLEN", "nope"}), ":11\r\n:0\r\n");
  c.roundTrip(
      command({"INCRBY", "n", "10"}) + command({"DECRBY", "n", "3"}) + command({"DECR", "n"}),
      ":10\r\n:7\r\n:6\r\n");
  c.roundTrip(command({"INCRBY", "n", "x"}), "-ERR value is not an integer or out of range\r\n");
  c.roundTrip(command({"SET", "f", "10.5"}) + command({"INCRBYFLOAT", "f", "0.1"}) +
                  command({"INCRBYFLOAT", "f", "-5.6"}),
              "+OK\r\n" + bulk("10.6") + bulk("5"));
  c.roundTrip(command({"INCRBYFLOAT", "a", "1"}), "-ERR value is not a valid float\r\n");
  c.roundTrip(command({"MSETNX", "m1", "1", "m2", "2"}) +
                  command({"MSETNX", "m2", "x", "m3", "3"}) + command({"MGET", "m1", "m2", "m3"}),
              ":1\r\n:0\r\n*3\r\n" + bulk("1") + bulk("2") + "$-1\r\n");
  c.roundTrip(command({"RENAME", "m1", "r1"}) + command({"RENAMENX", "m2", "r1"}) +
                  command({"RENAME", "nope", "x"}) + command({"GET", "r1"}),
              "+OK\r\n:0\r\n-ERR no such key\r\n" + bulk("1"));
}

TEST_P(RespServerTest, ExpiryCommandsSetReadAndRemoveTimes) {
  RawClient c(port_);
  c.roundTrip(command({"SET", "k", "v", "EX", "100"}), "+OK\r\n");
  const std::string ttl = ask(c, {"TTL", "k"});
  EXPECT_TRUE(ttl == ":100\r\n" || ttl == ":99\r\n") << ttl;
  const std::string pttl = ask(c, {"PTTL", "k"});
  ASSERT_EQ(pttl[0], ':');
  EXPECT_GT(std::stoll(pttl.substr(1)), 90'000);
  c.roundTrip(command({"PERSIST", "k"}) + command({"PERSIST", "k"}) + command({"TTL", "k"}),
              ":1\r\n:0\r\n:-1\r\n");
  c.roundTrip(command({"TTL", "nope"}) + command({"EXPIRE", "nope", "10"}), ":-2\r\n:0\r\n");
  c.roundTrip(command({"SET", "k", "v", "KEEPTTL"}) + command({"TTL", "k"}), "+OK\r\n:-1\r\n");
  c.roundTrip(command({"EXPIREAT", "k", "4000000000"}) + command({"EXPIRETIME", "k"}),
              ":1\r\n:4000000000\r\n");
  // A plain SET clears the TTL.
  c.roundTrip(command({"SET", "k", "w"}) + command({"TTL", "k"}), "+OK\r\n:-1\r\n");
  // A time in the past deletes the key at once.
  c.roundTrip(command({"PEXPIREAT", "k", "1"}) + command({"EXISTS", "k"}), ":1\r\n:0\r\n");
  c.roundTrip(command({"SETEX", "e", "100", "v"}) + command({"GETEX", "e", "PERSIST"}) +
                  command({"TTL", "e"}),
              "+OK\r\n" + bulk("v") + ":-1\r\n");
  c.roundTrip(command({"SET", "g", "v", "EXAT", "1"}) + command({"GET", "g"}), "+OK\r\n$-1\r\n");
  c.roundTrip(command({"SETEX", "e", "0", "v"}), "-ERR invalid expire time in 'setex' command\r\n");
  // Redis 7's options, checked against redis-server 7.0.
  c.roundTrip(command({"EXPIRE", "e", "10", "NX"}) + command({"EXPIRE", "e", "20", "NX"}) +
                  command({"EXPIRE", "e", "5", "GT"}) + command({"EXPIRE", "e", "50", "gt"}) +
                  command({"TTL", "e"}),
              ":1\r\n:0\r\n:0\r\n:1\r\n:50\r\n");
  c.roundTrip(command({"PERSIST", "e"}) + command({"EXPIRE", "e", "5", "LT"}) +
                  command({"EXPIRE", "e", "9", "XX", "LT"}) + command({"TTL", "e"}),
              ":1\r\n:1\r\n:0\r\n:5\r\n");
  c.roundTrip(command({"EXPIRE", "e", "abc", "NX", "XX"}),
              "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
  c.roundTrip(command({"EXPIRE", "e", "10", "GT", "LT"}),
              "-ERR GT and LT options at the same time are not compatible\r\n");
  c.roundTrip(command({"EXPIRE", "e", "10", "FOO"}), "-ERR Unsupported option FOO\r\n");
}

TEST_P(RespServerTest, KeysScanTypeDbsizeAndFlush) {
  RawClient c(port_);
  c.roundTrip(command({"MSET", "k:1", "a", "k:2", "b", "k:10", "c", "other", "d"}), "+OK\r\n");
  c.roundTrip(command({"KEYS", "k:?"}), "*2\r\n" + bulk("k:1") + bulk("k:2"));
  c.roundTrip(command({"KEYS", "k:[^2]*"}), "*2\r\n" + bulk("k:1") + bulk("k:10"));
  c.roundTrip(command({"DBSIZE"}) + command({"TYPE", "k:1"}) + command({"TYPE", "nope"}),
              ":4\r\n+string\r\n+none\r\n");
  c.roundTrip(command({"SCAN", "0", "MATCH", "k:*", "COUNT", "100"}),
              "*2\r\n" + bulk("0") + "*3\r\n" + bulk("k:1") + bulk("k:10") + bulk("k:2"));
  c.roundTrip(command({"SCAN", "0", "TYPE", "list"}), "*2\r\n" + bulk("0") + "*0\r\n");
  c.roundTrip(command({"SCAN", "abc"}), "-ERR invalid cursor\r\n");
  c.roundTrip(command({"SCAN", "0", "COUNT", "0"}), "-ERR syntax error\r\n");
  const std::string random = ask(c, {"RANDOMKEY"});
  EXPECT_EQ(random[0], '$') << random;
  c.roundTrip(command({"FLUSHALL", "ASYNC"}) + command({"DBSIZE"}) + command({"RANDOMKEY"}),
              "+OK\r\n:0\r\n$-1\r\n");
  c.roundTrip(command({"FLUSHDB", "NOW"}), "-ERR syntax error\r\n");
}

TEST_P(RespServerTest, ScanReturnsEveryKeyEvenInLongRunsOfSharedPrefixes) {
  RawClient c(port_);
  // 1500 keys share the 8-byte prefix "user:000"; 50 do not.
  std::string requests;
  std::string replies;
  std::set<std::string> expected;
  for (int i = 0; i < 1550; ++i) {
    const std::string key = i < 1500 ? absl::StrCat("user:000", i) : absl::StrCat("z", i);
    requests += command({"SET", key, "v"});
    replies += "+OK\r\n";
    expected.insert(key);
  }
  c.roundTrip(requests, replies);
  std::set<std::string> seen;
  std::string cursor = "0";
  int rounds = 0;
  do {
    c.send(command({"SCAN", cursor, "COUNT", "7"}));
    const std::string reply = readReply(c);
    // "*2\r\n$<n>\r\n<cursor>\r\n*<m>\r\n" then m bulk strings.
    size_t pos = reply.find("\r\n", 4) + 2;
    const size_t cursorEnd = reply.find("\r\n", pos);
    cursor = reply.substr(pos, cursorEnd - pos);
    pos = reply.find("\r\n", cursorEnd + 2) + 2;
    size_t batch = 0;
    while (pos < reply.size()) {
      const size_t lengthEnd = reply.find("\r\n", pos);
      const size_t length = std::stoul(reply.substr(pos + 1, lengthEnd - pos - 1));
      seen.insert(reply.substr(lengthEnd + 2, length));
      pos = lengthEnd + 2 + length + 2;
      ++batch;
    }
    // A run of keys sharing a prefix must not come back whole: with millions
    // of "session:..." keys one reply would pass any output limit.
    EXPECT_LE(batch, 7u) << "cursor " << cursor;
    // Keys come and go mid-scan; the ones present throughout must be seen.
    const std::string churn = absl::StrCat("user:000churn", rounds);
    c.roundTrip(command({"SET", churn, "v"}) + command({"DEL", churn}), "+OK\r\n:1\r\n");
  } while (cursor != "0" && ++rounds < 2000);
  EXPECT_EQ(cursor, "0") << "SCAN did not finish";
  for (const std::string& key : expected) EXPECT_TRUE(seen.contains(key)) << key;
  EXPECT_LT(rounds, 1550 / 7 + 10);
}

TEST_P(RespServerTest, AnUnknownScanCursorIsRefusedNotRestarted) {
  RawClient c(port_);
  c.roundTrip(command({"SCAN", "18446744073709551615"}),
              "-ERR invalid cursor (it has expired: start the scan again from 0)\r\n");
  // A stateless cursor (top byte 0) is always good, even one never handed out.
  c.roundTrip(command({"SET", "b", "1"}), "+OK\r\n");
  c.roundTrip(command({"SCAN", std::to_string(uint64_t{'a'} << 48)}),
              "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n");
}

TEST_P(RespServerTest, TransactionsQueueRunAsOneBatchAndAbortOnQueueingErrors) {
  RawClient c(port_);
  c.roundTrip(command({"EXEC"}) + command({"DISCARD"}),
              "-ERR EXEC without MULTI\r\n-ERR DISCARD without MULTI\r\n");
  c.roundTrip(command({"MULTI"}) + command({"SET", "t", "1"}) + command({"INCR", "t"}) +
                  command({"GET", "t"}) + command({"SET", "t", "x", "BAD"}) + command({"PING"}) +
                  command({"EXEC"}),
              "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*5\r\n+OK\r\n:2\r\n" +
                  bulk("2") + "-ERR syntax error\r\n+PONG\r\n");
  c.roundTrip(command({"MULTI"}) + command({"MULTI"}) + command({"WATCH", "t"}) +
                  command({"INCR"}) + command({"SET", "t", "9"}) + command({"EXEC"}) +
                  command({"GET", "t"}),
              "+OK\r\n-ERR MULTI calls can not be nested\r\n-ERR WATCH inside MULTI is not "
              "allowed\r\n-ERR wrong number of arguments for 'incr' command\r\n+QUEUED\r\n"
              "-EXECABORT Transaction discarded because of previous errors.\r\n" +
                  bulk("2"));
  c.roundTrip(command({"MULTI"}) + command({"SET", "t", "9"}) + command({"DISCARD"}) +
                  command({"GET", "t"}),
              "+OK\r\n+QUEUED\r\n+OK\r\n" + bulk("2"));
  c.roundTrip(command({"MULTI"}) + command({"EXEC"}), "+OK\r\n*0\r\n");
}

TEST_P(RespServerTest, WatchAbortsExecOnlyWhenAWatchedKeyChanged) {
  RawClient a(port_);
  RawClient b(port_);
  a.roundTrip(command({"SET", "w", "1"}) + command({"WATCH", "w", "unset"}), "+OK\r\n+OK\r\n");
  a.roundTrip(command({"MULTI"}) + command({"INCR", "w"}) + command({"EXEC"}),
              "+OK\r\n+QUEUED\r\n*1\r\n:2\r\n");
  a.roundTrip(command({"WATCH", "w"}), "+OK\r\n");
  b.roundTrip(command({"SET", "w", "changed"}), "+OK\r\n");
  a.roundTrip(command({"MULTI"}) + command({"SET", "w", "mine"}) + command({"EXEC"}) +
                  command({"GET", "w"}),
              "+OK\r\n+QUEUED\r\n*-1\r\n" + bulk("changed"));
  a.roundTrip(command({"WATCH", "absent"}), "+OK\r\n");
  b.roundTrip(command({"SET", "absent", "now"}), "+OK\r\n");
  a.roundTrip(command({"MULTI"}) + command({"GET", "absent"}) + command({"EXEC"}),
              "+OK\r\n+QUEUED\r\n*-1\r\n");
  a.roundTrip(command({"WATCH", "w"}) + command({"UNWATCH"}), "+OK\r\n+OK\r\n");
  b.roundTrip(command({"SET", "w", "again"}), "+OK\r\n");
  a.roundTrip(command({"MULTI"}) + command({"GET", "w"}) + command({"EXEC"}),
              "+OK\r\n+QUEUED\r\n*1\r\n" + bulk("again"));
}

TEST_P(RespServerTest, ConnectionAndServerCommandsClientsSendOnConnect) {
  RawClient c(port_);
  c.roundTrip(command({"SELECT", "0"}) + command({"SELECT", "1"}) + command({"ECHO", "hi"}),
              "+OK\r\n-ERR DB index is out of range\r\n" + bulk("hi"));
  c.roundTrip(command({"HELLO", "3"}), "-NOPROTO unsupported protocol version\r\n");
  const std::string hello = ask(c, {"HELLO", "2", "SETNAME", "me"});
  EXPECT_TRUE(hello.starts_with("*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n")) << hello;
  EXPECT_NE(hello.find("$5\r\nproto\r\n:2\r\n"), std::string::npos) << hello;
  c.roundTrip(command({"CLIENT", "GETNAME"}), bulk("me"));
  c.roundTrip(command({"CLIENT", "SETNAME", "a b"}),
              "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
  c.roundTrip(command({"CLIENT", "SETINFO", "LIB-NAME", "redis-py"}), "+OK\r\n");
  const std::string id = ask(c, {"CLIENT", "ID"});
  ASSERT_EQ(id[0], ':');
  const std::string list = ask(c, {"CLIENT", "LIST"});
  EXPECT_NE(list.find(absl::StrCat("id=", id.substr(1, id.size() - 3), " ")), std::string::npos)
      << list;
  EXPECT_NE(list.find("name=me "), std::string::npos) << list;
  EXPECT_NE(list.find("lib-name=redis-py"), std::string::npos) << list;
  c.roundTrip(command({"CLIENT", "NOPE"}), "-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.\r\n");
  c.roundTrip(command({"CONFIG", "GET", "save"}) + command({"CONFIG", "GET", "appendonly"}),
              "*2\r\n" + bulk("save") + bulk("") + "*2\r\n" + bulk("appendonly") + bulk("yes"));
  c.roundTrip(command({"CONFIG", "SET", "nosuch", "1"}),
              "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n");
  const std::string info = ask(c, {"INFO"});
  for (const char* section :
       {"# Server\r\nredis_version:", "# Clients\r\nconnected_clients:", "# Memory\r\n",
        "# Persistence\r\n", "# Stats\r\n", "# Keyspace\r\n"}) {
    EXPECT_NE(info.find(section), std::string::npos) << section << " missing from " << info;
  }
  const std::string time = ask(c, {"TIME"});
  EXPECT_TRUE(time.starts_with("*2\r\n$10\r\n")) << time;
  const std::string count = ask(c, {"COMMAND", "COUNT"});
  ASSERT_EQ(count[0], ':');
  EXPECT_GT(std::stoi(count.substr(1)), 50);
  const std::string getInfo = ask(c, {"COMMAND", "INFO", "get"});
  EXPECT_TRUE(getInfo.starts_with("*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n"))
      << getInfo;
  c.roundTrip(command({"RESET"}) + command({"CLIENT", "GETNAME"}), "+RESET\r\n$-1\r\n");
}

}  // namespace
}  // namespace muduo::kv
