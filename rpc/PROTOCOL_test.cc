// Keeps PROTOCOL.md honest: the example frames documented there are exactly
// the bytes encodeFrame() produces.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "muduo/net/Buffer.h"
#include "rpc/RpcCodec.h"

namespace muduo::rpc {
namespace {

std::string bytes(std::vector<int> values) {
  std::string s;
  for (int v : values) s.push_back(static_cast<char>(v));
  return s;
}

std::string encode(const RpcMeta& meta, const google::protobuf::MessageLite* payload) {
  net::Buffer buf;
  encodeFrame(meta, payload, &buf);
  return buf.retrieveAllAsString();
}

TEST(ProtocolTest, RequestFrameMatchesTheDocumentedBytes) {
  RpcMeta meta;
  meta.set_type(RpcMeta::REQUEST);
  meta.set_call_id(1);
  meta.set_service("muduo.echo.EchoService");
  meta.set_method("Echo");
  meta.set_timeout_us(5000000);
  google::protobuf::StringValue payload;
  payload.set_value("hi");
  const std::string expected = "MRPC" +
                               bytes({0, 0, 0, 0x29, 0, 0, 0, 0x25, 0x10, 0x01, 0x1a, 0x16}) +
                               "muduo.echo.EchoService" + bytes({0x22, 0x04}) + "Echo" +
                               bytes({0x38, 0xc0, 0x96, 0xb1, 0x02, 0x0a, 0x02}) + "hi";
  EXPECT_EQ(encode(meta, &payload), expected);
}

TEST(ProtocolTest, ResponseFrameMatchesTheDocumentedBytes) {
  RpcMeta meta;
  meta.set_type(RpcMeta::RESPONSE);
  meta.set_call_id(1);
  google::protobuf::StringValue payload;
  payload.set_value("hi");
  const std::string expected =
      "MRPC" + bytes({0, 0, 0, 8, 0, 0, 0, 4, 0x08, 0x01, 0x10, 0x01, 0x0a, 0x02}) + "hi";
  EXPECT_EQ(encode(meta, &payload), expected);
}

TEST(ProtocolTest, ErrorResponseFrameMatchesTheDocumentedBytes) {
  RpcMeta meta;
  meta.set_type(RpcMeta::RESPONSE);
  meta.set_call_id(2);
  meta.set_status_code(static_cast<int>(absl::StatusCode::kUnimplemented));
  meta.set_status_message("no such method");
  const std::string expected =
      "MRPC" +
      bytes({0, 0, 0, 0x16, 0, 0, 0, 0x16, 0x08, 0x01, 0x10, 0x02, 0x28, 0x0c, 0x32, 0x0e}) +
      "no such method";
  EXPECT_EQ(encode(meta, nullptr), expected);
}

}  // namespace
}  // namespace muduo::rpc
