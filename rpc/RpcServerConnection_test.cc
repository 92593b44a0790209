// One connection's frame handling, driven a loop turn at a time over a
// socketpair (rpc/testing/SocketPairConnection), where a test decides
// exactly which frames arrive together.
#include <string>

#include "gtest/gtest.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/InetAddress.h"
#include "rpc/RpcCodec.h"
#include "rpc/RpcServer.h"
#include "rpc/testing/SocketPairConnection.h"
#include "rpc/testing/TestService.h"
#include "rpc/testing/test_messages.pb.h"

namespace muduo::rpc {
namespace {

std::string requestFrame(uint64_t callId, const std::string& method) {
  RpcMeta meta;
  meta.set_type(RpcMeta::REQUEST);
  meta.set_call_id(callId);
  meta.set_service(std::string(testing::TestService::kName));
  meta.set_method(method);
  testing::EchoRequest request;
  request.set_text("x");
  net::Buffer out;
  encodeFrame(meta, &request, &out);
  return out.retrieveAllAsString();
}

TEST(RpcServerConnectionTest, NoRequestBehindACallIdReusedWhileItsCallRunsIsRun) {
  net::EventLoop loop;
  testing::TestService service;
  RpcServer server(&loop, net::InetAddress(0, /*loopbackOnly=*/true));
  server.addService(&service);
  testing::SocketPairConnection client(&loop, &server);
  // Hold keeps call 5 running; the second 5 breaks the protocol, and the
  // Echo behind it in the same read must not run (it could be a write).
  ASSERT_TRUE(
      client.send(requestFrame(5, "Hold") + requestFrame(5, "Echo") + requestFrame(6, "Echo")));
  client.turn();
  client.turn();
  EXPECT_TRUE(client.serverClosed());
  EXPECT_EQ(service.callsReceived(), 1);
  EXPECT_TRUE(client.hangUp(8));
}

TEST(RpcServerConnectionTest, ACallIdMayBeReusedOnceItsCallIsAnswered) {
  net::EventLoop loop;
  testing::TestService service;
  RpcServer server(&loop, net::InetAddress(0, /*loopbackOnly=*/true));
  server.addService(&service);
  testing::SocketPairConnection client(&loop, &server);
  ASSERT_TRUE(client.send(requestFrame(5, "Echo") + requestFrame(5, "Echo")));
  client.turn();
  net::Buffer replies;
  client.receive(&replies);
  int answers = 0;
  for (;;) {
    DecodedFrame frame;
    std::string error;
    if (decodeFrame(replies, kDefaultMaxFrameSize, &frame, &error) != DecodeStatus::kFrame) break;
    EXPECT_EQ(frame.meta.call_id(), 5u);
    ++answers;
    replies.retrieve(frame.frameLength);
  }
  EXPECT_EQ(answers, 2);
  EXPECT_FALSE(client.serverClosed());
  EXPECT_TRUE(client.hangUp(8));
}

}  // namespace
}  // namespace muduo::rpc
