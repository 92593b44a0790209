#include "rpc/RpcCodec.h"

#include <endian.h>

#include <cassert>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "google/protobuf/message_lite.h"

namespace muduo::rpc {
namespace {

void serializeInto(const google::protobuf::MessageLite& message, size_t size, net::Buffer* out) {
  out->ensureWritableBytes(size);
  auto* start = reinterpret_cast<uint8_t*>(out->beginWrite());
  // ByteSizeLong() just ran and cached the sizes; this pass only writes.
  message.SerializeWithCachedSizesToArray(start);
  out->hasWritten(size);
}

uint32_t readBigEndian32(const char* p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return be32toh(v);
}

}  // namespace

void encodeFrame(const RpcMeta& meta, const google::protobuf::MessageLite* payload,
                 net::Buffer* out) {
  assert(out->readableBytes() == 0);
  const size_t metaLength = meta.ByteSizeLong();
  const size_t payloadLength = payload != nullptr ? payload->ByteSizeLong() : 0;
  serializeInto(meta, metaLength, out);
  if (payload != nullptr) serializeInto(*payload, payloadLength, out);
  out->prependInt32(static_cast<int32_t>(metaLength));
  out->prependInt32(static_cast<int32_t>(metaLength + payloadLength));
  out->prepend(kMagic.data(), kMagic.size());
}

DecodeStatus decodeFrame(const net::Buffer& in, size_t maxFrameSize, DecodedFrame* frame,
                         std::string* error) {
  const size_t readable = in.readableBytes();
  const char* p = in.peek();
  // Reject a wrong magic as soon as its first bytes arrive, not 12 bytes later.
  const size_t magicSeen = readable < kMagic.size() ? readable : kMagic.size();
  if (memcmp(p, kMagic.data(), magicSeen) != 0) {
    *error = "bad magic: not an MRPC peer";
    return DecodeStatus::kError;
  }
  if (readable < kHeaderLength) return DecodeStatus::kNeedMore;
  const uint32_t bodyLength = readBigEndian32(p + 4);
  const uint32_t metaLength = readBigEndian32(p + 8);
  if (bodyLength > maxFrameSize) {
    *error =
        absl::StrCat("frame body of ", bodyLength, " bytes exceeds the limit of ", maxFrameSize);
    return DecodeStatus::kError;
  }
  if (metaLength > bodyLength) {
    *error = absl::StrCat("meta length ", metaLength, " exceeds body length ", bodyLength);
    return DecodeStatus::kError;
  }
  if (readable < kHeaderLength + bodyLength) return DecodeStatus::kNeedMore;
  if (!frame->meta.ParseFromArray(p + kHeaderLength, static_cast<int>(metaLength))) {
    *error = "meta does not parse";
    return DecodeStatus::kError;
  }
  frame->payload = std::string_view(p + kHeaderLength + metaLength, bodyLength - metaLength);
  frame->frameLength = kHeaderLength + bodyLength;
  return DecodeStatus::kFrame;
}

}  // namespace muduo::rpc
