// Proves the protobuf overlay end to end: proto_library and cc_proto_library
// find protoc and the C++ toolchain, well-known types resolve to the copies
// inside libprotobuf, and the runtime links.
#include <string>

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "third_party/protobuf/toolchain_test.pb.h"

namespace {

using muduo::third_party::test::Probe;

TEST(ProtobufToolchainTest, GeneratedMessageRoundTripsThroughTheWireFormat) {
  Probe probe;
  probe.set_name("probe");
  *probe.mutable_at() = google::protobuf::util::TimeUtil::SecondsToTimestamp(1700000000);
  *probe.mutable_took() = google::protobuf::util::TimeUtil::MillisecondsToDuration(1500);
  for (int64_t v : {int64_t{1}, int64_t{-2}, int64_t{1} << 40}) probe.add_values(v);

  std::string wire;
  ASSERT_TRUE(probe.SerializeToString(&wire));
  Probe parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  EXPECT_EQ(parsed.name(), "probe");
  EXPECT_EQ(parsed.at().seconds(), 1700000000);
  EXPECT_EQ(parsed.took().seconds(), 1);
  EXPECT_EQ(parsed.took().nanos(), 500000000);
  ASSERT_EQ(parsed.values_size(), 3);
  EXPECT_EQ(parsed.values(2), int64_t{1} << 40);
}

TEST(ProtobufToolchainTest, JsonMappingUsesWellKnownTypeFormats) {
  Probe probe;
  probe.set_name("x");
  *probe.mutable_took() = google::protobuf::util::TimeUtil::MillisecondsToDuration(1500);
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(probe, &json).ok());
  EXPECT_EQ(json, R"({"name":"x","took":"1.500s"})");
}

TEST(ProtobufToolchainTest, GarbageDoesNotParse) {
  Probe parsed;
  EXPECT_FALSE(parsed.ParseFromString(std::string("\xff\xff\xff\xff", 4)));
}

}  // namespace
