// Fuzzes RespParser (multibulk and inline requests) over a byte stream cut at
// points the input chooses, following its contract: each call gets the same
// bytes of the current request again, with more appended.
//
// Beyond "no crash", it checks:
//  - the parser never reads past the bytes it was given (under ASan the rest
//    of the stream's exactly sized heap block is poisoned while it runs);
//  - consumed() stays within the data, and every command ends somewhere new;
//  - the split does not matter: chunks and the whole stream yield the same
//    commands, and both or neither end in an error;
//  - every accepted command round-trips: re-encoded as a multibulk request by
//    RespReply, it parses back to the same arguments;
//  - heap use stays within a fixed multiple of the input's size.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "services/kv/RespParser.h"
#include "services/kv/RespReply.h"
#include "tools/fuzzing/AllocationBudget.h"
#include "tools/fuzzing/SplitPoints.h"

extern "C" void __asan_poison_memory_region(const volatile void* addr, size_t size)
    __attribute__((weak));
extern "C" void __asan_unpoison_memory_region(const volatile void* addr, size_t size)
    __attribute__((weak));

namespace muduo::kv {
namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "RespParser_fuzzer: property violated: %s\n", what);
    std::abort();
  }
}

using Command = std::vector<std::string>;

struct Outcome {
  std::vector<Command> commands;
  std::string error;
};

void checkRoundTrip(const Command& args) {
  std::string encoded;
  RespReply reply(&encoded);
  reply.arrayHeader(args.size());
  for (const auto& arg : args) reply.bulk(arg);
  RespParser parser;
  require(parser.parse(encoded) == RespParser::Result::kCommand, "an encoded command parses");
  require(parser.consumed() == encoded.size(), "an encoded command is consumed exactly");
  require(parser.args().size() == args.size(), "decode(encode(args)) has as many arguments");
  for (size_t i = 0; i < args.size(); ++i) {
    require(parser.args()[i] == args[i], "decode(encode(args)) == args");
  }
}

// Runs the stream, delivered in chunks of the sizes `next` yields, through one
// parser as RespSession does.
template <typename NextSize>
Outcome run(std::string_view stream, NextSize next) {
  // Exactly the stream's size: past the filled part is poisoned, past the
  // block is ASan's redzone.
  std::unique_ptr<char[]> block(new char[stream.size() + 1]);
  char* base = block.get();
  size_t filled = 0;
  size_t start = 0;  // where the current request begins
  RespParser parser;
  Outcome out;
  while (filled < stream.size()) {
    const size_t n = next();
    std::memcpy(base + filled, stream.data() + filled, n);
    filled += n;
    for (;;) {
      const std::string_view data(base + start, filled - start);
      const bool poison = __asan_poison_memory_region != nullptr;
      if (poison) __asan_poison_memory_region(base + filled, stream.size() + 1 - filled);
      const RespParser::Result result = parser.parse(data);
      if (poison) __asan_unpoison_memory_region(base + filled, stream.size() + 1 - filled);
      if (result == RespParser::Result::kError) {
        require(!parser.error().empty(), "an error says why");
        out.error = parser.error();
        return out;
      }
      if (result == RespParser::Result::kNeedMore) {
        require(parser.consumed() <= data.size(), "consumed() stays within the data");
        break;
      }
      require(parser.consumed() > 0 && parser.consumed() <= data.size(),
              "a command consumes some of the data, and no more");
      Command args(parser.args().begin(), parser.args().end());
      checkRoundTrip(args);
      out.commands.push_back(std::move(args));
      start += parser.consumed();
      parser.reset();
      if (start == filled) break;
    }
  }
  return out;
}

}  // namespace
}  // namespace muduo::kv

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using muduo::kv::require;
  muduo::fuzzing::SplitPoints split(data, size);
  const std::string_view stream = split.stream();
  muduo::fuzzing::AllocationBudget budget;
  const muduo::kv::Outcome pieces =
      muduo::kv::run(stream, [&split] { return split.next().size(); });
  budget.check(size, 128, 64 * 1024);
  const muduo::kv::Outcome whole = muduo::kv::run(stream, [&] { return stream.size(); });
  // Which check fires first may depend on how much has arrived (a bulk length
  // line still without its CRLF is "too big" before it is "invalid"), as in
  // Redis; whether the request is refused may not.
  require(pieces.error.empty() == whole.error.empty(), "the split does not change the refusal");
  require(pieces.commands == whole.commands, "the split does not change the commands");
  return 0;
}
