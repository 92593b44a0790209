// Fuzzes one RESP session end to end: a client's bytes, cut at points the
// input chooses, go through a real TcpConnection on a socketpair into
// RespServer's own callbacks (adoptConnection), one EventLoop turn per
// chunk, so the parser, the command table, MULTI/EXEC/WATCH, the reply
// queue behind writes and the close paths run as they do for an accepted
// connection, over a real Store (SyncMode::kNone, a fresh directory per
// input, so inputs do not interact).
//
// Beyond "no crash", it holds the session to a model built by parsing the
// same stream with RespParser:
//  - every reply is well-formed RESP2, and the server never answers more
//    than the complete commands it was sent (plus the one protocol error);
//  - once the client has read everything, every command before the stream
//    closed has exactly one answer (a forced close for an HTTP request may
//    drop answers still queued; there only the upper bound holds);
//  - the server closes exactly on a protocol error (after answering it with
//    "-ERR Protocol error"), on POST or Host: (without an answer), and on
//    QUIT; otherwise the connection stays open;
//  - heap use stays within a fixed multiple of the input plus the replies.
//
// Inputs whose SETRANGE offset passes kMaxSetRangeOffset are skipped: a
// 30-byte SETRANGE may make a 16 MiB value (Redis's semantics, capped by
// kMaxValueSize), and pipelined GETs of it pass any fixed budget.
//
// Single-threaded: the loop, the session and SyncMode::kNone's whole write
// pipeline run in the fuzzer's thread, so the allocation count is theirs.
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "muduo/base/UniqueFd.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/InetAddress.h"
#include "muduo/net/TcpConnection.h"
#include "rpc/testing/SocketPairConnection.h"
#include "services/kv/RespErrors.h"
#include "services/kv/RespParser.h"
#include "services/kv/RespServer.h"
#include "services/kv/Store.h"
#include "tools/fuzzing/AllocationBudget.h"
#include "tools/fuzzing/QuietLogs.h"
#include "tools/fuzzing/SplitPoints.h"

namespace muduo::kv {
namespace {

constexpr int64_t kMaxSetRangeOffset = 1024;
// Turns for the session to drain once the input is in: writes acknowledged a
// turn later, replies larger than the socketpair's buffer.
constexpr int kMaxDrainTurns = 4096;

bool parseInt(std::string_view text, int64_t* n) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *n);
  return ec == std::errc() && end == text.data() + text.size();
}

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "RespSession_fuzzer: property violated: %s\n", what);
    std::abort();
  }
}

// The stream as the session should take it: the commands it answers, and
// whether and how it ends the connection.
class Model {
 public:
  enum class Close { kNone, kProtocolError, kHttp, kQuit };

  // Takes one more chunk; parses every complete command in what is buffered.
  void feed(std::string_view chunk) {
    if (close_ != Close::kNone) return;
    buffered_.append(chunk);
    while (close_ == Close::kNone) {
      const RespParser::Result result = parser_.parse(std::string_view(buffered_).substr(pos_));
      if (result == RespParser::Result::kNeedMore) return;
      if (result == RespParser::Result::kError) {
        close_ = Close::kProtocolError;
        return;
      }
      const auto& args = parser_.args();
      if (!args.empty()) {
        const std::string_view name = args[0];
        if (equalsIgnoreCase(name, "post") || equalsIgnoreCase(name, "host:")) {
          close_ = Close::kHttp;
          return;
        }
        ++commands_;
        if (equalsIgnoreCase(name, "quit")) close_ = Close::kQuit;
        int64_t offset = 0;
        if (equalsIgnoreCase(name, "setrange") && args.size() == 4 && parseInt(args[2], &offset) &&
            offset > kMaxSetRangeOffset) {
          tooLarge_ = true;
        }
      }
      pos_ += parser_.consumed();
      parser_.reset();
    }
  }

  [[nodiscard]] Close close() const { return close_; }
  [[nodiscard]] int64_t commands() const { return commands_; }
  // The most answers the session may have sent for what it was given.
  [[nodiscard]] int64_t mostReplies() const {
    return commands_ + (close_ == Close::kProtocolError ? 1 : 0);
  }
  [[nodiscard]] bool tooLarge() const { return tooLarge_; }

 private:
  RespParser parser_;
  std::string buffered_;
  size_t pos_ = 0;  // where the request being parsed starts
  int64_t commands_ = 0;
  Close close_ = Close::kNone;
  bool tooLarge_ = false;
};

// Counts the RESP2 replies at the front of `in` and removes them; false when
// a reply is malformed. A reply not yet complete is left in place.
class ReplyCounter {
 public:
  bool consume(net::Buffer* in) {
    for (;;) {
      const std::string_view data = in->view();
      size_t pos = 0;
      const Parse result = parseOne(data, &pos, 0);
      if (result == Parse::kMalformed) return false;
      if (result == Parse::kNeedMore) return true;
      ++replies_;
      bytes_ += pos;
      in->retrieve(pos);
    }
  }
  [[nodiscard]] int64_t replies() const { return replies_; }
  [[nodiscard]] size_t bytes() const { return bytes_; }

 private:
  enum class Parse { kOk, kNeedMore, kMalformed };

  static Parse line(std::string_view data, size_t* pos, std::string_view* out) {
    const size_t end = data.find("\r\n", *pos);
    if (end == std::string_view::npos) return Parse::kNeedMore;
    *out = data.substr(*pos, end - *pos);
    *pos = end + 2;
    return out->find('\n') == std::string_view::npos ? Parse::kOk : Parse::kMalformed;
  }

  static Parse parseOne(std::string_view data, size_t* pos, int depth) {
    if (*pos >= data.size()) return Parse::kNeedMore;
    if (depth > 8) return Parse::kMalformed;  // we never nest this deep
    const char type = data[*pos];
    ++*pos;
    std::string_view text;
    if (Parse p = line(data, pos, &text); p != Parse::kOk) return p;
    if (type == '+' || type == '-') return Parse::kOk;
    int64_t n = 0;
    if (!parseInt(text, &n)) return Parse::kMalformed;
    switch (type) {
      case ':':
        return Parse::kOk;
      case '$':
        if (n == -1) return Parse::kOk;
        if (n < 0) return Parse::kMalformed;
        if (data.size() - *pos < static_cast<size_t>(n) + 2) return Parse::kNeedMore;
        if (data.substr(*pos + static_cast<size_t>(n), 2) != "\r\n") return Parse::kMalformed;
        *pos += static_cast<size_t>(n) + 2;
        return Parse::kOk;
      case '*':
        if (n == -1) return Parse::kOk;
        if (n < 0) return Parse::kMalformed;
        for (int64_t i = 0; i < n; ++i) {
          if (Parse p = parseOne(data, pos, depth + 1); p != Parse::kOk) return p;
        }
        return Parse::kOk;
      default:
        return Parse::kMalformed;
    }
  }

  int64_t replies_ = 0;
  size_t bytes_ = 0;
};

net::EventLoop& loop() {
  static net::EventLoop* l = new net::EventLoop;  // the process ends with it
  return *l;
}

const std::string& scratchDir() {
  static const std::string path = [] {
    const char* dir = std::getenv("TEST_TMPDIR");
    return std::string(dir != nullptr ? dir : "/tmp") + "/RespSession_fuzzer." +
           std::to_string(::getpid());
  }();
  return path;
}

void runOne(const uint8_t* data, size_t size) {
  fuzzing::SplitPoints split(data, size);
  {
    // Skip what the size cap forbids before spending a store on it.
    Model pre;
    pre.feed(split.stream());
    if (pre.tooLarge()) return;
  }
  std::filesystem::remove_all(scratchDir());
  Store::Options options;
  options.dir = scratchDir();
  options.sync = SyncMode::kNone;
  options.expiryInterval = std::chrono::milliseconds(0);
  options.compactionMinBytes = uint64_t{1} << 40;  // no compaction thread
  absl::StatusOr<std::unique_ptr<Store>> store = Store::open(options);
  require(store.ok(), "a fresh store opens");
  net::EventLoop& l = loop();
  {
    auto server =
        std::make_unique<RespServer>(&l, net::InetAddress(0, /*loopbackOnly=*/true), store->get());
    fuzzing::AllocationBudget budget;
    Model model;
    ReplyCounter counter;
    net::Buffer received;
    {
      rpc::testing::SocketPairConnection client(
          &l, [&server](const net::TcpConnectionPtr& conn) { server->adoptConnection(conn); });
      for (std::string_view chunk = split.next(); !chunk.empty(); chunk = split.next()) {
        // A server that has closed may refuse the bytes; that is no failure.
        require(client.send(chunk) || client.eof(), "the socketpair takes the chunk");
        model.feed(chunk);
        client.turn();
        client.receive(&received);
        require(counter.consume(&received), "every reply is well-formed RESP2");
        require(counter.replies() <= model.mostReplies(),
                "no more replies than complete commands sent");
        if (client.eof()) break;
      }
      // Drain: acknowledgements come a turn later, and large replies in pieces.
      for (int i = 0, idle = 0; i < kMaxDrainTurns && idle < 3 && !client.eof(); ++i) {
        client.turn();
        idle = client.receive(&received) ? 0 : idle + 1;
      }
      client.receive(&received);
      require(counter.consume(&received), "every reply is well-formed RESP2");
      require(received.readableBytes() == 0, "no reply is left unfinished");
      require(counter.replies() <= model.mostReplies(),
              "no more replies than complete commands sent");
      const bool shouldClose = model.close() != Model::Close::kNone;
      require(client.eof() == shouldClose,
              "the server closes exactly on a protocol error, POST, Host: or QUIT");
      if (model.close() != Model::Close::kHttp) {
        require(counter.replies() == model.mostReplies(), "every command is answered once");
      }
      require(client.hangUp(8), "the connection is torn down when the client leaves");
    }
    server.reset();
    // Per byte: the parser's arguments, the log record, the table, the
    // replies; replies themselves may be many times the input (MGET of one
    // large value), so they get their own allowance.
    budget.check(size, 1024, 512 * 1024 + 16 * counter.bytes());
  }
  store->reset();
  std::filesystem::remove_all(scratchDir());
}

}  // namespace
}  // namespace muduo::kv

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Every protocol error and HTTP request is logged, and the socketpair
  // refuses TCP options; a fuzzer makes millions of each.
  muduo::fuzzing::discardLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  muduo::kv::runOne(data, size);
  return 0;
}
