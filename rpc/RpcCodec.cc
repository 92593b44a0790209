#include "rpc/RpcCodec.h"

#include <endian.h>

#include <cassert>
#include <cstring>

#include "absl/base/attributes.h"
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

// A protobuf base-128 varint. False when it runs past `end` or beyond the
// ten bytes (64 bits) a well-formed one fits in.
bool readVarint(const uint8_t** cur, const uint8_t* end, uint64_t* value) {
  // Most of a meta's varints (tags, lengths, small ids) are one byte, and
  // a call id below 16384 two.
  if (*cur < end && **cur < 0x80) {
    *value = *(*cur)++;
    return true;
  }
  if (end - *cur >= 2 && (*cur)[1] < 0x80) {
    *value = ((*cur)[0] & 0x7fu) | static_cast<uint64_t>((*cur)[1]) << 7;
    *cur += 2;
    return true;
  }
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && *cur < end; shift += 7) {
    const uint8_t byte = *(*cur)++;
    if (shift == 63 && byte > 1) return false;  // bits past 64: let protobuf judge
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      return true;
    }
  }
  return false;
}

// A word at a time: every frame's service and method names pass here. The
// last word overlaps the one before it rather than going byte by byte.
bool isAscii(std::string_view text) {
  const char* p = text.data();
  const size_t size = text.size();
  uint64_t high = 0;
  if (size >= 8) {
    uint64_t word;
    for (size_t i = 0; i + 8 < size; i += 8) {
      memcpy(&word, p + i, sizeof word);
      high |= word;
    }
    memcpy(&word, p + size - 8, sizeof word);
    high |= word;
  } else if (size >= 4) {
    uint32_t first;
    uint32_t last;
    memcpy(&first, p, sizeof first);
    memcpy(&last, p + size - 4, sizeof last);
    high = first | last;
  } else {
    for (size_t i = 0; i < size; ++i) high |= static_cast<unsigned char>(p[i]);
  }
  return (high & 0x8080808080808080ULL) == 0;
}

// Parses a meta of the shape every MRPC peer sends (only RpcMeta's own
// fields, each with its own wire type, and ASCII text) without protobuf's
// parser, which costs a call several hundred instructions more. False for
// anything else (an unknown field, a name that needs UTF-8 validation,
// a malformed varint or length): protobuf then parses it and decides, so
// what is accepted and what is refused is exactly as before.
bool parseCommonMeta(const char* data, size_t size, MetaFields* meta) {
  const auto* cur = reinterpret_cast<const uint8_t*>(data);
  const uint8_t* const end = cur + size;
  uint64_t type = 0;
  uint64_t callId = 0;
  uint64_t statusCode = 0;
  uint64_t timeoutUs = 0;
  std::string_view service;
  std::string_view method;
  std::string_view statusMessage;
  while (cur < end) {
    const uint8_t tag = *cur++;
    const int wireType = tag & 7;
    uint64_t value = 0;
    if (tag >= 0x80 || !readVarint(&cur, end, &value)) return false;
    std::string_view text;
    if (wireType == 2) {
      if (value > static_cast<uint64_t>(end - cur)) return false;
      text = std::string_view(reinterpret_cast<const char*>(cur), value);
      if (!isAscii(text)) return false;
      cur += value;
    } else if (wireType != 0) {
      return false;
    }
    // Field number and wire type together; a later copy of a field wins,
    // as in protobuf.
    switch (tag) {
      case (1 << 3) | 0:
        type = value;
        break;
      case (2 << 3) | 0:
        callId = value;
        break;
      case (3 << 3) | 2:
        service = text;
        break;
      case (4 << 3) | 2:
        method = text;
        break;
      case (5 << 3) | 0:
        statusCode = value;
        break;
      case (6 << 3) | 2:
        statusMessage = text;
        break;
      case (7 << 3) | 0:
        timeoutUs = value;
        break;
      default:
        return false;
    }
  }
  // Narrowed as protobuf narrows a varint into an int32 or an enum.
  meta->type = static_cast<RpcMeta::Type>(static_cast<int32_t>(type));
  meta->callId = callId;
  meta->service = service;
  meta->method = method;
  meta->statusCode = static_cast<int32_t>(statusCode);
  meta->statusMessage = statusMessage;
  meta->timeoutUs = static_cast<int64_t>(timeoutUs);
  return true;
}

// Views of a meta protobuf parsed.
MetaFields fieldsOf(const RpcMeta& meta) {
  MetaFields fields;
  fields.type = meta.type();
  fields.callId = meta.call_id();
  fields.service = meta.service();
  fields.method = meta.method();
  fields.statusCode = meta.status_code();
  fields.statusMessage = meta.status_message();
  fields.timeoutUs = meta.timeout_us();
  return fields;
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

namespace {

// Protobuf's encoding of RpcMeta, field by field: in field-number order,
// fields at their default value (0, empty) left out, as proto3 does.
size_t varintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

uint8_t* writeVarint(uint64_t v, uint8_t* p) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
  return p;
}

// Negative int32s and enums go on the wire sign-extended to 64 bits.
uint64_t wireValue(int64_t v) { return static_cast<uint64_t>(v); }

// Always inlined: both encodeFrame(MetaFields) overloads use them, and a
// call per field pass costs a request's encode ~2% more instructions.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline size_t encodedSize(const MetaFields& m) {
  size_t size = 0;
  auto number = [&size](uint64_t v) {
    if (v != 0) size += 1 + varintSize(v);
  };
  auto text = [&size](std::string_view t) {
    if (!t.empty()) size += 1 + varintSize(t.size()) + t.size();
  };
  number(wireValue(m.type));
  number(m.callId);
  text(m.service);
  text(m.method);
  number(wireValue(m.statusCode));
  text(m.statusMessage);
  number(wireValue(m.timeoutUs));
  return size;
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline uint8_t* encodeMeta(const MetaFields& m, uint8_t* p) {
  auto number = [&p](int field, uint64_t v) {
    if (v == 0) return;
    *p++ = static_cast<uint8_t>(field << 3);
    p = writeVarint(v, p);
  };
  auto text = [&p](int field, std::string_view t) {
    if (t.empty()) return;
    *p++ = static_cast<uint8_t>(field << 3 | 2);
    p = writeVarint(t.size(), p);
    memcpy(p, t.data(), t.size());
    p += t.size();
  };
  number(1, wireValue(m.type));
  number(2, m.callId);
  text(3, m.service);
  text(4, m.method);
  number(5, wireValue(m.statusCode));
  text(6, m.statusMessage);
  number(7, wireValue(m.timeoutUs));
  return p;
}

}  // namespace

void encodeFrame(const MetaFields& meta, const google::protobuf::MessageLite* payload,
                 net::Buffer* out) {
  assert(out->readableBytes() == 0);
  const size_t metaLength = encodedSize(meta);
  const size_t payloadLength = payload != nullptr ? payload->ByteSizeLong() : 0;
  out->ensureWritableBytes(metaLength + payloadLength);
  auto* start = reinterpret_cast<uint8_t*>(out->beginWrite());
  uint8_t* const end = encodeMeta(meta, start);
  assert(static_cast<size_t>(end - start) == metaLength);
  (void)end;
  // ByteSizeLong() just ran and cached the sizes; this pass only writes.
  if (payload != nullptr) payload->SerializeWithCachedSizesToArray(start + metaLength);
  out->hasWritten(metaLength + payloadLength);
  out->prependInt32(static_cast<int32_t>(metaLength));
  out->prependInt32(static_cast<int32_t>(metaLength + payloadLength));
  out->prepend(kMagic.data(), kMagic.size());
}

void encodeFrame(const MetaFields& meta, std::string_view payload, net::Buffer* out) {
  assert(out->readableBytes() == 0);
  const size_t metaLength = encodedSize(meta);
  out->ensureWritableBytes(metaLength + payload.size());
  auto* start = reinterpret_cast<uint8_t*>(out->beginWrite());
  uint8_t* const end = encodeMeta(meta, start);
  assert(static_cast<size_t>(end - start) == metaLength);
  (void)end;
  out->hasWritten(metaLength);
  out->append(payload.data(), payload.size());
  out->prependInt32(static_cast<int32_t>(metaLength));
  out->prependInt32(static_cast<int32_t>(metaLength + payload.size()));
  out->prepend(kMagic.data(), kMagic.size());
}

RpcMeta MetaView::toProto() const {
  RpcMeta meta;
  meta.set_type(fields_.type);
  meta.set_call_id(fields_.callId);
  meta.set_service(std::string(fields_.service));
  meta.set_method(std::string(fields_.method));
  meta.set_status_code(fields_.statusCode);
  meta.set_status_message(std::string(fields_.statusMessage));
  meta.set_timeout_us(fields_.timeoutUs);
  return meta;
}

namespace {

// The rare paths of decodeFrame, out of line: its common path then needs no
// stack frame for string building.
ABSL_ATTRIBUTE_NOINLINE DecodeStatus refuse(std::string* error, std::string_view why) {
  error->assign(why);
  return DecodeStatus::kError;
}

ABSL_ATTRIBUTE_NOINLINE DecodeStatus refuseLengths(std::string* error, uint32_t bodyLength,
                                                   uint32_t metaLength, size_t maxFrameSize) {
  if (bodyLength > maxFrameSize) {
    *error =
        absl::StrCat("frame body of ", bodyLength, " bytes exceeds the limit of ", maxFrameSize);
  } else {
    *error = absl::StrCat("meta length ", metaLength, " exceeds body length ", bodyLength);
  }
  return DecodeStatus::kError;
}

// A meta parseCommonMeta leaves to protobuf: parsed into the frame's own
// RpcMeta and viewed there. False when it does not parse.
ABSL_ATTRIBUTE_NOINLINE bool parseWithProtobuf(const char* data, size_t size, RpcMeta* parsed,
                                               MetaFields* fields) {
  if (!parsed->ParseFromArray(data, static_cast<int>(size))) return false;
  *fields = fieldsOf(*parsed);
  return true;
}

}  // namespace

DecodeStatus decodeFrame(const net::Buffer& in, size_t maxFrameSize, DecodedFrame* frame,
                         std::string* error) {
  const size_t readable = in.readableBytes();
  const char* p = in.peek();
  if (readable < kHeaderLength) {
    // Reject a wrong magic as soon as its first bytes arrive, not 12 bytes
    // later. An empty buffer (the end of every batch) costs two compares.
    const size_t seen = readable < kMagic.size() ? readable : kMagic.size();
    if (seen > 0 && memcmp(p, kMagic.data(), seen) != 0) {
      return refuse(error, "bad magic: not an MRPC peer");
    }
    return DecodeStatus::kNeedMore;
  }
  if (memcmp(p, kMagic.data(), kMagic.size()) != 0) {
    return refuse(error, "bad magic: not an MRPC peer");
  }
  const uint32_t bodyLength = readBigEndian32(p + 4);
  const uint32_t metaLength = readBigEndian32(p + 8);
  if (bodyLength > maxFrameSize || metaLength > bodyLength) {
    return refuseLengths(error, bodyLength, metaLength, maxFrameSize);
  }
  if (readable < kHeaderLength + bodyLength) return DecodeStatus::kNeedMore;
  if (!parseCommonMeta(p + kHeaderLength, metaLength, &frame->meta.fields_) &&
      !parseWithProtobuf(p + kHeaderLength, metaLength, &frame->parsed, &frame->meta.fields_)) {
    return refuse(error, "meta does not parse");
  }
  frame->payload = std::string_view(p + kHeaderLength + metaLength, bodyLength - metaLength);
  frame->frameLength = kHeaderLength + bodyLength;
  return DecodeStatus::kFrame;
}

}  // namespace muduo::rpc
