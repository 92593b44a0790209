// The MRPC frame codec (PROTOCOL.md):
//
//   "MRPC"  body_len:u32be  meta_len:u32be  meta[meta_len]  payload[body_len - meta_len]
//
// encodeFrame() serialises meta and payload straight into a Buffer, then
// writes the 12-byte header into the Buffer's prepend area: no byte of the
// payload is copied or serialised twice.
//
// Stateless functions; safe from any thread on distinct Buffers.
#ifndef RPC_RPCCODEC_H_
#define RPC_RPCCODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "muduo/net/Buffer.h"
#include "rpc/rpc_meta.pb.h"

namespace google::protobuf {
class MessageLite;
}  // namespace google::protobuf

namespace muduo::rpc {

inline constexpr std::string_view kMagic = "MRPC";
inline constexpr size_t kHeaderLength = 12;
inline constexpr size_t kDefaultMaxFrameSize = 64 * 1024 * 1024;

static_assert(net::Buffer::kCheapPrepend >= kHeaderLength,
              "the Buffer's prepend area must hold a whole frame header");

// Encodes one frame into `out`, which must be empty (its prepend area takes
// the header). `payload` may be null for frames without one.
void encodeFrame(const RpcMeta& meta, const google::protobuf::MessageLite* payload,
                 net::Buffer* out);

// A meta's fields by value and view: what the runtime's own senders (a
// server's answers, a channel's requests) fill in, to encode a frame without
// building an RpcMeta. Encodes to the very bytes protobuf makes of the
// RpcMeta with the same fields (RpcCodec_test checks it).
struct MetaFields {
  RpcMeta::Type type = RpcMeta::REQUEST;
  uint64_t callId = 0;
  std::string_view service;
  std::string_view method;
  int32_t statusCode = 0;
  std::string_view statusMessage;
  int64_t timeoutUs = 0;
};
void encodeFrame(const MetaFields& meta, const google::protobuf::MessageLite* payload,
                 net::Buffer* out);
// The same with a payload already serialized (a request sent again).
void encodeFrame(const MetaFields& meta, std::string_view payload, net::Buffer* out);

enum class DecodeStatus { kNeedMore, kFrame, kError };

struct DecodedFrame {
  RpcMeta meta;
  std::string_view payload;  // points into the input Buffer
  size_t frameLength = 0;    // retrieve this much once done with payload
};

// Looks at the front of `in` without consuming it. On kError, *error says
// why (bad magic, oversized frame, unparsable meta): close the connection.
[[nodiscard]] DecodeStatus decodeFrame(const net::Buffer& in, size_t maxFrameSize,
                                       DecodedFrame* frame, std::string* error);

}  // namespace muduo::rpc

#endif  // RPC_RPCCODEC_H_
