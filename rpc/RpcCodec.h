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

struct DecodedFrame;

// A decoded frame's meta, read in place: its text fields are views into the
// input Buffer (or into DecodedFrame's own RpcMeta when protobuf had to
// parse it), valid as long as the payload is. Nothing is copied, so a
// server looks the service and method up without building a string. The
// accessors are RpcMeta's, by value and view.
class MetaView {
 public:
  [[nodiscard]] RpcMeta::Type type() const { return fields_.type; }
  [[nodiscard]] uint64_t call_id() const { return fields_.callId; }
  [[nodiscard]] std::string_view service() const { return fields_.service; }
  [[nodiscard]] std::string_view method() const { return fields_.method; }
  [[nodiscard]] int32_t status_code() const { return fields_.statusCode; }
  [[nodiscard]] std::string_view status_message() const { return fields_.statusMessage; }
  [[nodiscard]] int64_t timeout_us() const { return fields_.timeoutUs; }
  [[nodiscard]] const MetaFields& fields() const { return fields_; }
  // An owning copy, for tests and for keeping a meta past its frame.
  [[nodiscard]] RpcMeta toProto() const;

 private:
  friend DecodeStatus decodeFrame(const net::Buffer& in, size_t maxFrameSize, DecodedFrame* frame,
                                  std::string* error);
  MetaFields fields_;
};

// Reused from frame to frame (the server and the channel keep one per
// connection). Not copyable: its views may point into its own `parsed`.
struct DecodedFrame {
  DecodedFrame() = default;
  DecodedFrame(const DecodedFrame&) = delete;
  DecodedFrame& operator=(const DecodedFrame&) = delete;

  MetaView meta;
  std::string_view payload;  // points into the input Buffer
  size_t frameLength = 0;    // retrieve this much once done with payload
  // Storage for a meta only protobuf's parser takes (an unknown field, a
  // non-ASCII name): its strings keep their capacity from frame to frame.
  RpcMeta parsed;
};

// Looks at the front of `in` without consuming it. On kError, *error says
// why (bad magic, oversized frame, unparsable meta): close the connection.
[[nodiscard]] DecodeStatus decodeFrame(const net::Buffer& in, size_t maxFrameSize,
                                       DecodedFrame* frame, std::string* error);

}  // namespace muduo::rpc

#endif  // RPC_RPCCODEC_H_
