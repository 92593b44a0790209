// RespParser: parses RESP2 requests (what redis-cli and redis-benchmark
// send) incrementally and without copying.
//
//   multibulk:  *<n>\r\n  then n times  $<len>\r\n<len bytes>\r\n
//   inline:     a line of space-separated words ("PING\r\n", "SET k v\n"),
//               with Redis's quoting ("a b", 'c', \x41 escapes)
//
// parse() is given the bytes received so far, from the start of the request
// being parsed. Until it returns a command or an error, every call must get
// the same bytes again, possibly with more appended (the parser resumes where
// it stopped; it remembers offsets, not pointers, so the buffer may move).
// After kCommand, args() point into the last data given (multibulk) or into
// the parser (inline), and consumed() bytes belong to the command.
//
// Thread contract: one connection's, used by its loop thread only.
#ifndef SERVICES_KV_RESPPARSER_H_
#define SERVICES_KV_RESPPARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace muduo::kv {

class RespParser {
 public:
  struct Limits {
    size_t maxBulk = 16 << 20;     // one argument
    size_t maxArgs = 1 << 20;      // arguments per command
    size_t maxInline = 64 << 10;   // one inline line
    size_t maxRequest = 48 << 20;  // one whole command
  };
  enum class Result {
    kNeedMore,
    kCommand,  // args() may be empty (an empty line, "*0"): nothing to do
    kError,    // malformed: error() says why; the connection cannot continue
  };

  RespParser() = default;
  explicit RespParser(Limits limits) : limits_(limits) {}

  Result parse(std::string_view data);
  [[nodiscard]] const std::vector<std::string_view>& args() const { return args_; }
  [[nodiscard]] size_t consumed() const { return pos_; }
  // Redis's wording, e.g. "Protocol error: invalid bulk length".
  [[nodiscard]] const std::string& error() const { return error_; }
  // Forgets the current request; call after consuming a command.
  void reset();

 private:
  Result parseInline(std::string_view data);
  Result parseMultibulk(std::string_view data);
  Result fail(std::string message);

  Limits limits_;
  size_t pos_ = 0;
  int64_t expected_ = -1;  // multibulk: arguments announced, -1 before the header
  std::vector<std::pair<size_t, size_t>> spans_;  // multibulk: offset and length of each
  std::vector<std::string> inlineArgs_;
  std::vector<std::string_view> args_;
  std::string error_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_RESPPARSER_H_
