// The endpoint data format: the README's example parses, encode and parse
// agree, and everything else is refused with a reason.
#include "rpc/naming/EndpointFormat.h"

#include <gtest/gtest.h>

namespace muduo::rpc::naming {
namespace {

TEST(EndpointFormatTest, TheReadmeExampleParses) {
  absl::StatusOr<Endpoint> endpoint = parseEndpoint(
      "muduo-endpoint 1\n"
      "address=10.0.0.7:9091\n"
      "weight=100\n"
      "meta.zone=eu-west-1a\n"
      "meta.version=2.3.1\n");
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  EXPECT_EQ(endpoint->address.toIpPort(), "10.0.0.7:9091");
  EXPECT_EQ(endpoint->weight, 100u);
  EXPECT_EQ(endpoint->metadata.size(), 2u);
  EXPECT_EQ(endpoint->metadata.at("version"), "2.3.1");
}

TEST(EndpointFormatTest, EncodeAndParseAgreeForIpv4AndIpv6) {
  for (const Endpoint& original :
       {Endpoint{net::InetAddress("127.0.0.1", 1), 0, {}},
        Endpoint{net::InetAddress("::1", 65535), kMaxWeight, {{"a", ""}, {"b.c-d_e", "x = y"}}}}) {
    absl::StatusOr<std::string> data = encodeEndpoint(original);
    ASSERT_TRUE(data.ok()) << data.status();
    absl::StatusOr<Endpoint> back = parseEndpoint(*data);
    ASSERT_TRUE(back.ok()) << back.status() << "\n" << *data;
    EXPECT_TRUE(*back == original) << *data;
  }
}

TEST(EndpointFormatTest, WeightDefaultsToOne) {
  absl::StatusOr<Endpoint> endpoint = parseEndpoint("muduo-endpoint 1\naddress=[::1]:80\n");
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ(endpoint->weight, 1u);
}

TEST(EndpointFormatTest, RefusesEverythingElseSayingWhy) {
  const std::string header = "muduo-endpoint 1\n";
  const std::pair<std::string, std::string> cases[] = {
      {"", "empty"},
      {"muduo-endpoint 1", "newline"},
      {"muduo-endpoint 2\naddress=1.2.3.4:5\n", "line 1"},
      {header, "no address"},
      {header + "address=1.2.3.4:5", "newline"},
      {header + "address=1.2.3.4:5\r\n", "address"},
      {header + "address=localhost:5\n", "numeric"},
      {header + "address=1.2.3.4:0\n", "address"},
      {header + "address=1.2.3.4\n", "address"},
      {header + "address=1.2.3.4:5\naddress=1.2.3.4:6\n", "second address"},
      {header + "address=1.2.3.4:5\nweight=-1\n", "weight"},
      {header + "address=1.2.3.4:5\nweight=01\n", "weight"},
      {header + "address=1.2.3.4:5\nweight=1000001\n", "weight"},
      {header + "address=1.2.3.4:5\nweight=\n", "weight"},
      {header + "address=1.2.3.4:5\nweight=1\nweight=2\n", "second weight"},
      {header + "address=1.2.3.4:5\nmeta.=x\n", "metadata name"},
      {header + "address=1.2.3.4:5\nmeta.a b=x\n", "metadata name"},
      {header + "address=1.2.3.4:5\nmeta.a=1\nmeta.a=2\n", "twice"},
      {header + "address=1.2.3.4:5\nport=5\n", "unknown key"},
      {header + "address=1.2.3.4:5\n\n", "no '='"},
      {header + "address=1.2.3.4:5\nmeta.a=" + std::string(1025, 'x') + "\n", "metadata value"},
      {header + "address=1.2.3.4:5\nmeta.a=" + std::string(17000, 'x') + "\n", "limit"},
  };
  for (const auto& [data, reason] : cases) {
    absl::Status status = parseEndpoint(data).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << data;
    EXPECT_NE(status.message().find(reason), std::string_view::npos)
        << "\"" << data.substr(0, 80) << "\": " << status;
  }
  std::string many = header + "address=1.2.3.4:5\n";
  for (size_t i = 0; i <= kMaxMetadataEntries; ++i) many += "meta.k" + std::to_string(i) + "=v\n";
  EXPECT_NE(parseEndpoint(many).status().message().find("too many"), std::string_view::npos);
}

TEST(EndpointFormatTest, EncodeRefusesWhatNoClientWouldRead) {
  net::InetAddress address("127.0.0.1", 1);
  EXPECT_FALSE(encodeEndpoint(Endpoint{address, kMaxWeight + 1, {}}).ok());
  EXPECT_FALSE(encodeEndpoint(Endpoint{address, 1, {{"bad name", "x"}}}).ok());
  EXPECT_FALSE(encodeEndpoint(Endpoint{address, 1, {{"a", "line\nbreak"}}}).ok());
  EXPECT_FALSE(encodeEndpoint(Endpoint{net::InetAddress("127.0.0.1", 0), 1, {}}).ok());
}

}  // namespace
}  // namespace muduo::rpc::naming
