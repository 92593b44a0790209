// Fuzzes MRPC frame decoding (decodeFrame) over a byte stream cut at points
// the input chooses, the way a connection's input Buffer fills.
//
// Beyond "no crash", it checks:
//  - decodeFrame never reads past the readable bytes (the Buffer's writable
//    area is poisoned under ASan) and its payload lies inside the frame;
//  - the split does not matter: chunks and the whole stream yield the same
//    frames and the same error;
//  - every accepted frame round-trips: decode(encode(meta)) == meta;
//  - heap use stays within a fixed multiple of the input's size.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "google/protobuf/stubs/logging.h"
#include "muduo/net/Buffer.h"
#include "rpc/RpcCodec.h"
#include "tools/fuzzing/AllocationBudget.h"
#include "tools/fuzzing/PoisonTail.h"
#include "tools/fuzzing/SplitPoints.h"

namespace muduo::rpc {
namespace {

// Small, so a fuzzer reaches the size limit.
constexpr size_t kMaxFrame = 4096;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "RpcCodec_fuzzer: property violated: %s\n", what);
    std::abort();
  }
}

struct Outcome {
  std::vector<std::pair<std::string, std::string>> frames;  // serialized meta, payload
  bool error = false;
  size_t decodeAllocated = 0;  // by decodeFrame itself, not by the checks
};

void checkRoundTrip(const RpcMeta& meta) {
  net::Buffer out;
  encodeFrame(meta, nullptr, &out);
  DecodedFrame again;
  std::string error;
  require(decodeFrame(out, out.readableBytes(), &again, &error) == DecodeStatus::kFrame,
          "an encoded frame decodes");
  require(again.frameLength == out.readableBytes(), "the re-encoded frame is used up exactly");
  require(again.payload.empty(), "no payload was encoded");
  require(again.meta.toProto().SerializeAsString() == meta.SerializeAsString(),
          "decode(encode(meta)) == meta");
}

template <typename NextChunk>
Outcome run(NextChunk next) {
  net::Buffer buf;
  Outcome out;
  for (std::string_view chunk = next(); !chunk.empty(); chunk = next()) {
    buf.append(chunk);
    for (;;) {
      DecodedFrame frame;
      std::string error;
      DecodeStatus status;
      {
        fuzzing::PoisonTail poison(&buf);
        fuzzing::AllocationBudget budget;
        status = decodeFrame(buf, kMaxFrame, &frame, &error);
        out.decodeAllocated += budget.allocated();
      }
      if (status == DecodeStatus::kError) {
        require(!error.empty(), "an error says why");
        out.error = true;
        return out;
      }
      if (status == DecodeStatus::kNeedMore) break;
      require(frame.frameLength >= kHeaderLength && frame.frameLength <= buf.readableBytes(),
              "the frame lies in the readable bytes");
      require(frame.frameLength - kHeaderLength <= kMaxFrame, "the frame fits the limit");
      const char* end = buf.peek() + frame.frameLength;
      require(frame.payload.data() >= buf.peek() + kHeaderLength &&
                  frame.payload.data() + frame.payload.size() == end,
              "the payload ends the frame");
      const RpcMeta meta = frame.meta.toProto();
      checkRoundTrip(meta);
      out.frames.emplace_back(meta.SerializeAsString(), std::string(frame.payload));
      buf.retrieve(frame.frameLength);
    }
  }
  return out;
}

}  // namespace
}  // namespace muduo::rpc

// A meta with invalid UTF-8 in a string field fails to parse, and protobuf
// logs each one to stderr; that is expected here and would drown the report.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using muduo::rpc::require;
  muduo::fuzzing::SplitPoints split(data, size);
  const std::string_view stream = split.stream();
  const muduo::rpc::Outcome pieces = muduo::rpc::run([&split] { return split.next(); });
  // decodeFrame allocates only the meta's strings (and error text).
  require(pieces.decodeAllocated <= 32 * size + 64 * 1024,
          "decodeFrame allocates at most 32 bytes per input byte + 64 KiB");
  bool given = false;
  const muduo::rpc::Outcome whole = muduo::rpc::run([&] {
    if (given) return std::string_view();
    given = true;
    return stream;
  });
  require(pieces.error == whole.error, "the split does not change the error");
  require(pieces.frames == whole.frames, "the split does not change the frames");
  return 0;
}
