// HTTP on the RPC port: status pages, metrics, flags, health and JSON calls,
// while MRPC clients on the same port keep working.
#include "rpc/RpcHttpGateway.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/TestUtil.h"
#include "rpc/RpcChannel.h"
#include "rpc/RpcServer.h"
#include "rpc/compiler/testdata/test.rpc.h"

namespace muduo::rpc {
namespace {

class EchoImpl final : public test::TestService::Service {
  void Echo(ServerContext*, const test::EchoRequest* request, test::EchoResponse* response,
            DoneCallback done) override {
    response->set_text(request->text());
    std::move(done)(absl::OkStatus());
  }
};

class RpcHttpGatewayTest : public testing::Test {
 protected:
  void SetUp() override {
    serverLoop_ = serverThread_.startLoop();
    CountDownLatch started(1);
    serverLoop_->runInLoop([this, &started] {
      server_ = std::make_unique<RpcServer>(serverLoop_, net::InetAddress(0, true));
      server_->addService(&impl_);
      server_->start();
      started.countDown();
    });
    started.wait();
    channel_ = std::make_unique<RpcChannel>(clientThread_.startLoop(), server_->listenAddress());
    channel_->connect();
    stub_ = std::make_unique<test::TestService::Stub>(channel_.get());
  }

  void TearDown() override {
    stub_.reset();
    channel_.reset();
    CountDownLatch stopped(1);
    serverLoop_->runInLoop([this, &stopped] {
      server_.reset();
      stopped.countDown();
    });
    stopped.wait();
  }

  // One request on its own connection; returns the whole response.
  std::string http(const std::string& request) {
    net::test::BlockingSocket socket;
    EXPECT_EQ(socket.connect(server_->listenAddress()), 0);
    EXPECT_TRUE(socket.sendAll(request));
    int error = 0;
    return socket.readToEnd(&error);
  }

  std::string get(const std::string& path, const std::string& extra = "") {
    return http("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra + "\r\n");
  }

  std::string post(const std::string& path, const std::string& body) {
    return http("POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body);
  }

  void echoOverRpc(const std::string& text) {
    test::EchoRequest request;
    request.set_text(text);
    test::EchoResponse response;
    ASSERT_TRUE(stub_->Echo(request, &response).ok());
    EXPECT_EQ(response.text(), text);
  }

  EchoImpl impl_;
  net::EventLoopThread serverThread_;
  net::EventLoop* serverLoop_ = nullptr;
  std::unique_ptr<RpcServer> server_;
  net::EventLoopThread clientThread_;
  std::unique_ptr<RpcChannel> channel_;
  std::unique_ptr<test::TestService::Stub> stub_;
};

TEST(LooksLikeHttpTest, TellsRequestLinesFromFrames) {
  EXPECT_TRUE(RpcHttpGateway::looksLikeHttp("GET / HTTP/1.1"));
  EXPECT_TRUE(RpcHttpGateway::looksLikeHttp("PO"));
  EXPECT_TRUE(RpcHttpGateway::looksLikeHttp("DELETE /x"));
  EXPECT_FALSE(RpcHttpGateway::looksLikeHttp("MRPC"));
  EXPECT_FALSE(RpcHttpGateway::looksLikeHttp("GETX"));
  EXPECT_FALSE(RpcHttpGateway::looksLikeHttp("\x16\x03\x01"));
}

TEST_F(RpcHttpGatewayTest, HealthIsOkWhileServing) {
  const std::string response = get("/health");
  EXPECT_EQ(response.substr(0, 15), "HTTP/1.1 200 OK") << response;
  EXPECT_NE(response.find("\r\n\r\nok\n"), std::string::npos) << response;
}

TEST_F(RpcHttpGatewayTest, StatusAndMetricsCountRpcCalls) {
  echoOverRpc("a");
  echoOverRpc("b");
  const std::string text = get("/status");
  EXPECT_NE(text.find("muduo.rpc.test.TestService.Echo"), std::string::npos) << text;
  EXPECT_NE(text.find("connections "), std::string::npos) << text;
  const std::string html = get("/status", "Accept: text/html\r\n");
  EXPECT_NE(html.find("Content-Type: text/html"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>muduo.rpc.test.TestService.Echo</td><td>2</td><td>0</td>"),
            std::string::npos)
      << html;
  const std::string metrics = get("/metrics");
  EXPECT_NE(metrics.find("mrpc_calls_total{method=\"muduo.rpc.test.TestService.Echo\"} 2\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("# TYPE mrpc_latency_seconds summary"), std::string::npos);
  EXPECT_NE(
      metrics.find("mrpc_latency_seconds_count{method=\"muduo.rpc.test.TestService.Echo\"} 2"),
      std::string::npos);
}

TEST_F(RpcHttpGatewayTest, JsonCallGoesThroughTheService) {
  const std::string response = post("/rpc/muduo.rpc.test.TestService/Echo", R"({"text": "hi"})");
  EXPECT_EQ(response.substr(0, 15), "HTTP/1.1 200 OK") << response;
  EXPECT_NE(response.find("application/json"), std::string::npos);
  EXPECT_NE(response.find(R"({"text":"hi"})"), std::string::npos) << response;
  // Counted like any other call.
  EXPECT_NE(get("/metrics").find("muduo.rpc.test.TestService.Echo\"} 1\n"), std::string::npos);
}

TEST_F(RpcHttpGatewayTest, JsonErrorsCarryTheStatusCode) {
  const std::string unknown = post("/rpc/muduo.rpc.test.TestService/Nope", "{}");
  EXPECT_EQ(unknown.substr(0, 12), "HTTP/1.1 404") << unknown;
  EXPECT_NE(unknown.find(R"("code": 12)"), std::string::npos) << unknown;
  const std::string badJson = post("/rpc/muduo.rpc.test.TestService/Echo", "{not json");
  EXPECT_EQ(badJson.substr(0, 12), "HTTP/1.1 400") << badJson;
  EXPECT_NE(badJson.find(R"("code": 3)"), std::string::npos) << badJson;
  const std::string wrongMethod = get("/rpc/muduo.rpc.test.TestService/Echo");
  EXPECT_EQ(wrongMethod.substr(0, 12), "HTTP/1.1 405") << wrongMethod;
  EXPECT_EQ(get("/nothing-here").substr(0, 12), "HTTP/1.1 404");
}

TEST_F(RpcHttpGatewayTest, PipelinedJsonCallsAnswerInOrderOnOneConnection) {
  std::string requests;
  for (int i = 0; i < 5; ++i) {
    const std::string body = R"({"text": ")" + std::to_string(i) + R"("})";
    requests += "POST /rpc/muduo.rpc.test.TestService/Echo HTTP/1.1\r\nHost: x\r\n" +
                std::string(i == 4 ? "Connection: close\r\n" : "") +
                "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  const std::string response = http(requests);
  size_t at = 0;
  for (int i = 0; i < 5; ++i) {
    at = response.find(R"({"text":")" + std::to_string(i) + R"("})", at);
    ASSERT_NE(at, std::string::npos) << "answer " << i << " missing or out of order: " << response;
  }
}

TEST_F(RpcHttpGatewayTest, FlagsListsTheProcessFlags) {
  const std::string response = get("/flags");
  EXPECT_EQ(response.substr(0, 15), "HTTP/1.1 200 OK") << response;
}

TEST_F(RpcHttpGatewayTest, RpcClientsKeepWorkingWhileHttpClientsComeAndGo) {
  for (int round = 0; round < 20; ++round) {
    echoOverRpc("before " + std::to_string(round));
    EXPECT_EQ(get("/health").substr(0, 15), "HTTP/1.1 200 OK");
    net::test::BlockingSocket garbage;
    ASSERT_EQ(garbage.connect(server_->listenAddress()), 0);
    ASSERT_TRUE(garbage.sendAll("GET /\r\n\r\n\x01\x02 not http at all"));
    int error = 0;
    (void)garbage.readToEnd(&error);  // closed by the server, whatever it answered
    echoOverRpc("after " + std::to_string(round));
  }
}

}  // namespace
}  // namespace muduo::rpc
