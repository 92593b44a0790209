#include "rpc/RpcCodec.h"

#include <climits>
#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "muduo/net/Buffer.h"
#include "rpc/testing/test_messages.pb.h"

namespace muduo::rpc {
namespace {

using testing::EchoRequest;

std::string bigEndian32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string header(uint32_t bodyLength, uint32_t metaLength) {
  return std::string(kMagic) + bigEndian32(bodyLength) + bigEndian32(metaLength);
}

RpcMeta requestMeta(uint64_t callId) {
  RpcMeta meta;
  meta.set_type(RpcMeta::REQUEST);
  meta.set_call_id(callId);
  meta.set_service("muduo.rpc.testing.TestService");
  meta.set_method("Echo");
  meta.set_timeout_us(1500000);
  return meta;
}

std::string encode(const RpcMeta& meta, const google::protobuf::MessageLite* payload) {
  net::Buffer buf;
  encodeFrame(meta, payload, &buf);
  return buf.retrieveAllAsString();
}

// The frame's views point into the bytes decoded: they stay here until the
// next decode().
DecodeStatus decode(std::string_view bytes, size_t maxFrameSize, DecodedFrame* frame,
                    std::string* error) {
  static net::Buffer buf;
  buf.retrieveAll();
  buf.append(bytes);
  return decodeFrame(buf, maxFrameSize, frame, error);
}

TEST(RpcCodecTest, EncodedFrameDecodesToTheSameMetaAndPayload) {
  const RpcMeta meta = requestMeta(42);
  EchoRequest request;
  request.set_text("hello");
  request.set_count(7);
  net::Buffer buf;
  encodeFrame(meta, &request, &buf);
  const size_t encodedLength = buf.readableBytes();

  DecodedFrame frame;
  std::string error;
  ASSERT_EQ(decodeFrame(buf, kDefaultMaxFrameSize, &frame, &error), DecodeStatus::kFrame) << error;
  EXPECT_EQ(frame.meta.type(), RpcMeta::REQUEST);
  EXPECT_EQ(frame.meta.call_id(), 42u);
  EXPECT_EQ(frame.meta.service(), "muduo.rpc.testing.TestService");
  EXPECT_EQ(frame.meta.method(), "Echo");
  EXPECT_EQ(frame.meta.timeout_us(), 1500000);
  EXPECT_EQ(frame.frameLength, encodedLength);
  EchoRequest decoded;
  ASSERT_TRUE(decoded.ParseFromArray(frame.payload.data(), static_cast<int>(frame.payload.size())));
  EXPECT_EQ(decoded.text(), "hello");
  EXPECT_EQ(decoded.count(), 7);
  // Decoding only looks: the caller retrieves the frame when done with it.
  EXPECT_EQ(buf.readableBytes(), encodedLength);
}

TEST(RpcCodecTest, HeaderIsMagicThenBigEndianBodyAndMetaLengths) {
  RpcMeta meta = requestMeta(1);
  meta.set_status_message(std::string(300, 'm'));  // lengths past one byte
  EchoRequest request;
  request.set_text(std::string(70000, 'p'));  // and past two
  const std::string frame = encode(meta, &request);
  const size_t metaLength = meta.ByteSizeLong();
  const size_t payloadLength = request.ByteSizeLong();
  ASSERT_GT(payloadLength, 65536u);
  ASSERT_EQ(frame.size(), kHeaderLength + metaLength + payloadLength);
  EXPECT_EQ(frame.substr(0, 4), "MRPC");
  EXPECT_EQ(frame.substr(4, 4), bigEndian32(static_cast<uint32_t>(metaLength + payloadLength)));
  EXPECT_EQ(frame.substr(8, 4), bigEndian32(static_cast<uint32_t>(metaLength)));
  EXPECT_EQ(frame.substr(kHeaderLength, metaLength), meta.SerializeAsString());
  EXPECT_EQ(frame.substr(kHeaderLength + metaLength), request.SerializeAsString());
}

TEST(RpcCodecTest, FrameWithoutPayloadHasBodyLengthEqualToMetaLength) {
  RpcMeta meta;
  meta.set_type(RpcMeta::CANCEL);
  meta.set_call_id(9);
  const std::string frame = encode(meta, nullptr);
  const auto metaLength = static_cast<uint32_t>(meta.ByteSizeLong());
  EXPECT_EQ(frame, header(metaLength, metaLength) + meta.SerializeAsString());

  DecodedFrame decoded;
  std::string error;
  ASSERT_EQ(decode(frame, kDefaultMaxFrameSize, &decoded, &error), DecodeStatus::kFrame);
  EXPECT_EQ(decoded.meta.type(), RpcMeta::CANCEL);
  EXPECT_EQ(decoded.meta.call_id(), 9u);
  EXPECT_TRUE(decoded.payload.empty());
}

TEST(RpcCodecTest, EmptyBufferNeedsMore) {
  net::Buffer buf;
  DecodedFrame frame;
  std::string error;
  EXPECT_EQ(decodeFrame(buf, kDefaultMaxFrameSize, &frame, &error), DecodeStatus::kNeedMore);
}

TEST(RpcCodecTest, FrameSplitIntoSingleBytesDecodesOnlyOnceComplete) {
  EchoRequest request;
  request.set_text("split me");
  const std::string frame = encode(requestMeta(5), &request);
  net::Buffer buf;
  DecodedFrame decoded;
  std::string error;
  for (size_t i = 0; i + 1 < frame.size(); ++i) {
    buf.append(frame.substr(i, 1));
    ASSERT_EQ(decodeFrame(buf, kDefaultMaxFrameSize, &decoded, &error), DecodeStatus::kNeedMore)
        << "after " << i + 1 << " of " << frame.size() << " bytes: " << error;
  }
  buf.append(frame.substr(frame.size() - 1));
  ASSERT_EQ(decodeFrame(buf, kDefaultMaxFrameSize, &decoded, &error), DecodeStatus::kFrame);
  EXPECT_EQ(decoded.meta.call_id(), 5u);
  EXPECT_EQ(decoded.frameLength, frame.size());
  EchoRequest parsed;
  ASSERT_TRUE(
      parsed.ParseFromArray(decoded.payload.data(), static_cast<int>(decoded.payload.size())));
  EXPECT_EQ(parsed.text(), "split me");
}

TEST(RpcCodecTest, ManyFramesInOneBufferDecodeInOrder) {
  constexpr int kFrames = 1000;
  net::Buffer buf;
  for (int i = 0; i < kFrames; ++i) {
    EchoRequest request;
    request.set_text(std::to_string(i));
    // Every other frame has no payload, so frame boundaries vary.
    buf.append(encode(requestMeta(static_cast<uint64_t>(i)), i % 2 == 0 ? &request : nullptr));
  }
  int decodedFrames = 0;
  DecodedFrame frame;
  std::string error;
  for (int i = 0; i < kFrames; ++i) {
    ASSERT_EQ(decodeFrame(buf, kDefaultMaxFrameSize, &frame, &error), DecodeStatus::kFrame)
        << "frame " << i << ": " << error;
    EXPECT_EQ(frame.meta.call_id(), static_cast<uint64_t>(i));
    if (i % 2 == 0) {
      EchoRequest request;
      ASSERT_TRUE(
          request.ParseFromArray(frame.payload.data(), static_cast<int>(frame.payload.size())));
      EXPECT_EQ(request.text(), std::to_string(i));
    } else {
      EXPECT_TRUE(frame.payload.empty());
    }
    buf.retrieve(frame.frameLength);
    ++decodedFrames;
  }
  EXPECT_EQ(decodedFrames, kFrames);
  EXPECT_EQ(buf.readableBytes(), 0u);
  EXPECT_EQ(decodeFrame(buf, kDefaultMaxFrameSize, &frame, &error), DecodeStatus::kNeedMore);
}

TEST(RpcCodecTest, CorrectMagicPrefixesNeedMore) {
  DecodedFrame frame;
  std::string error;
  for (size_t n = 1; n <= kMagic.size(); ++n) {
    EXPECT_EQ(decode(kMagic.substr(0, n), kDefaultMaxFrameSize, &frame, &error),
              DecodeStatus::kNeedMore)
        << kMagic.substr(0, n);
  }
}

TEST(RpcCodecTest, BadMagicIsDetectedOnTheFirstWrongByte) {
  DecodedFrame frame;
  std::string error;
  for (size_t good = 0; good < kMagic.size(); ++good) {
    // The correct bytes so far, then one wrong one, and nothing after it.
    std::string bytes(kMagic.substr(0, good));
    bytes.push_back('x');
    error.clear();
    EXPECT_EQ(decode(bytes, kDefaultMaxFrameSize, &frame, &error), DecodeStatus::kError) << bytes;
    EXPECT_NE(error.find("magic"), std::string::npos) << error;
  }
  // An HTTP request is refused on its first byte.
  EXPECT_EQ(decode("G", kDefaultMaxFrameSize, &frame, &error), DecodeStatus::kError);
}

TEST(RpcCodecTest, BodyLongerThanTheLimitIsRejectedFromTheHeaderAlone) {
  constexpr size_t kLimit = 1000;
  DecodedFrame frame;
  std::string error;
  EXPECT_EQ(decode(header(kLimit + 1, 0), kLimit, &frame, &error), DecodeStatus::kError);
  EXPECT_NE(error.find("exceeds the limit"), std::string::npos) << error;
  // Exactly the limit is allowed: the decoder waits for the body.
  EXPECT_EQ(decode(header(kLimit, 0), kLimit, &frame, &error), DecodeStatus::kNeedMore);
  // The default limit refuses a 4 GiB claim without waiting for it.
  EXPECT_EQ(decode(header(0xffffffffu, 0), kDefaultMaxFrameSize, &frame, &error),
            DecodeStatus::kError);
  EXPECT_EQ(decode(header(kDefaultMaxFrameSize + 1, 0), kDefaultMaxFrameSize, &frame, &error),
            DecodeStatus::kError);
}

TEST(RpcCodecTest, MetaLongerThanBodyIsRejected) {
  DecodedFrame frame;
  std::string error;
  EXPECT_EQ(decode(header(4, 5), kDefaultMaxFrameSize, &frame, &error), DecodeStatus::kError);
  EXPECT_NE(error.find("meta length"), std::string::npos) << error;
  EXPECT_EQ(decode(header(4, 4), kDefaultMaxFrameSize, &frame, &error), DecodeStatus::kNeedMore);
}

TEST(RpcCodecTest, MetaThatDoesNotParseIsRejected) {
  DecodedFrame frame;
  std::string error;
  // A string field (service, tag 0x1a) claiming 16 bytes with only 2 present.
  const std::string truncated =
      "\x1a\x10"
      "ab";
  EXPECT_EQ(decode(header(4, 4) + truncated, kDefaultMaxFrameSize, &frame, &error),
            DecodeStatus::kError);
  EXPECT_EQ(error, "meta does not parse");
  // A varint that never ends.
  const std::string garbage(11, '\xff');
  error.clear();
  EXPECT_EQ(decode(header(11, 11) + garbage, kDefaultMaxFrameSize, &frame, &error),
            DecodeStatus::kError);
  EXPECT_EQ(error, "meta does not parse");
}

TEST(RpcCodecTest, EmptyMetaIsADefaultRequest) {
  DecodedFrame frame;
  std::string error;
  ASSERT_EQ(decode(header(2, 0) + std::string("\x0a\x00", 2), kDefaultMaxFrameSize, &frame, &error),
            DecodeStatus::kFrame);
  EXPECT_EQ(frame.meta.type(), RpcMeta::REQUEST);
  EXPECT_EQ(frame.payload.size(), 2u);
  EXPECT_EQ(frame.frameLength, kHeaderLength + 2);
}

std::string varint(uint64_t v, int extraBytes = 0) {
  std::string out;
  while (v >= 0x80 || extraBytes > 0) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
    if (v == 0 && extraBytes > 0) --extraBytes;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

// Random metas in every shape a peer could send: RpcMeta's own fields in
// any order and repeated, negative numbers, overlong varints, wrong wire
// types, unknown fields, non-ASCII and invalid UTF-8 text, truncation.
std::string randomMeta(std::mt19937* rng) {
  auto pick = [rng](int n) { return static_cast<int>((*rng)() % n); };
  const std::string texts[] = {"", "Echo", "muduo.rpc.testing.TestService", "caf\xc3\xa9",
                               "bad \xff utf-8", std::string(300, 'x'),
                               // Past the first eight bytes, and in a tail
                               // shorter than eight: isAscii reads by words.
                               "muduo.rpc.caf\xc3\xa9 service", "eight by\xff"};
  std::string meta;
  const int fields = pick(9);
  for (int i = 0; i < fields; ++i) {
    const int field = 1 + pick(9);  // 8 and 9 are unknown
    const bool textField = field == 3 || field == 4 || field == 6 || field == 9;
    const bool wrongWireType = pick(8) == 0;
    if (textField != wrongWireType) {
      const std::string& text = texts[pick(static_cast<int>(std::size(texts)))];
      meta += varint(static_cast<uint64_t>(field) << 3 | 2) + varint(text.size()) + text;
    } else {
      const uint64_t values[] = {0, 1, 4, 127, 128, uint64_t(-1), uint64_t(-7), 1ull << 40};
      meta += varint(static_cast<uint64_t>(field) << 3) + varint(values[pick(8)], pick(4) == 0);
    }
  }
  if (!meta.empty() && pick(10) == 0) meta.resize(pick(static_cast<int>(meta.size())));
  return meta;
}

TEST(RpcCodecTest, EveryMetaDecodesExactlyAsProtobufParsesItIntoAReusedFrame) {
  std::mt19937 rng(20261127);
  DecodedFrame reused;  // as the server and the channel reuse theirs
  for (int i = 0; i < 20000; ++i) {
    const std::string meta = randomMeta(&rng);
    RpcMeta expected;
    const bool parses = expected.ParseFromString(meta);
    std::string error;
    const DecodeStatus status = decode(
        header(static_cast<uint32_t>(meta.size()), static_cast<uint32_t>(meta.size())) + meta,
        kDefaultMaxFrameSize, &reused, &error);
    ASSERT_EQ(status, parses ? DecodeStatus::kFrame : DecodeStatus::kError) << i;
    if (parses) {
      // The frame's meta holds RpcMeta's fields only; the server and the
      // channel ignore fields they do not know.
      expected.DiscardUnknownFields();
      ASSERT_EQ(reused.meta.toProto().SerializeAsString(), expected.SerializeAsString()) << i;
    }
  }
}

TEST(RpcCodecTest, MetaFieldsEncodeToTheBytesProtobufMakesOfTheSameMeta) {
  std::mt19937_64 rng(7);
  const std::string texts[] = {"", "Echo", "muduo.rpc.testing.TestService", std::string(200, 'm'),
                               "caf\xc3\xa9"};
  const int64_t numbers[] = {0, 1, 127, 128, 300, -1, -128, INT32_MAX, INT32_MIN, INT64_MIN};
  EchoRequest payload;
  payload.set_text("the payload");
  for (int i = 0; i < 5000; ++i) {
    MetaFields fields;
    fields.type = static_cast<RpcMeta::Type>(static_cast<int32_t>(numbers[rng() % 9]));
    fields.callId = rng() % 3 == 0 ? 0 : rng() >> (rng() % 64);
    fields.service = texts[rng() % 5];
    fields.method = texts[rng() % 5];
    fields.statusCode = static_cast<int32_t>(numbers[rng() % 9]);
    fields.statusMessage = texts[rng() % 5];
    fields.timeoutUs = numbers[rng() % 10];
    RpcMeta meta;
    meta.set_type(fields.type);
    meta.set_call_id(fields.callId);
    meta.set_service(std::string(fields.service));
    meta.set_method(std::string(fields.method));
    meta.set_status_code(fields.statusCode);
    meta.set_status_message(std::string(fields.statusMessage));
    meta.set_timeout_us(fields.timeoutUs);
    const bool withPayload = i % 2 == 0;
    net::Buffer buf;
    encodeFrame(fields, withPayload ? &payload : nullptr, &buf);
    ASSERT_EQ(buf.retrieveAllAsString(), encode(meta, withPayload ? &payload : nullptr)) << i;
  }
}

}  // namespace
}  // namespace muduo::rpc
