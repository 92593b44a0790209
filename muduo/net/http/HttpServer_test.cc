#include "muduo/net/http/HttpServer.h"

#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "muduo/net/TestUtil.h"
#include "muduo/net/http/HttpTestUtil.h"

namespace muduo::net {
namespace {

using test::HttpServerThread;
using test::HttpTestClient;

// Answers with "<method> <target> <body>", so tests see which request each
// response belongs to.
void echoRequest(const HttpRequest& req, HttpResponse* resp) {
  resp->setContentType("text/plain");
  resp->setBody(req.method() + " " + req.target() + " " + req.body());
}

TEST(HttpServer, KeepsAnHttp11ConnectionAliveAcrossRequests) {
  HttpServerThread server(echoRequest);
  HttpTestClient client(server.address());
  ASSERT_TRUE(client.connected());
  for (int i = 0; i < 3; ++i) {
    auto resp = client.get("/k" + std::to_string(i));
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->status, 200);
    EXPECT_EQ(resp->body, "GET /k" + std::to_string(i) + " ");
    EXPECT_EQ(resp->header("connection"), "keep-alive");
  }
}

TEST(HttpServer, AnswersPipelinedRequestsInOrder) {
  HttpServerThread server(echoRequest);
  HttpTestClient client(server.address());
  std::string all;
  for (int i = 0; i < 50; ++i) {
    if (i % 3 == 0) {
      all +=
          "POST /p" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody";
    } else if (i % 3 == 1) {
      all += "POST /c" + std::to_string(i) +
             " HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
             "chunked\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n";
    } else {
      all += "GET /g" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
    }
  }
  ASSERT_TRUE(client.send(all));
  for (int i = 0; i < 50; ++i) {
    auto resp = client.read();
    ASSERT_TRUE(resp) << i;
    const std::string n = std::to_string(i);
    const std::string expected = i % 3 == 0   ? "POST /p" + n + " body"
                                 : i % 3 == 1 ? "POST /c" + n + " abcde"
                                              : "GET /g" + n + " ";
    EXPECT_EQ(resp->body, expected);
  }
}

TEST(HttpServer, ClosesAfterConnectionClose) {
  HttpServerThread server(echoRequest);
  HttpTestClient client(server.address());
  // The request after "Connection: close" is never answered.
  ASSERT_TRUE(client.send(
      "GET /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto resp = client.read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->body, "GET /a ");
  EXPECT_EQ(resp->header("connection"), "close");
  EXPECT_TRUE(client.closedByPeer());
}

TEST(HttpServer, ClosesAnHttp10ConnectionUnlessKeepAliveIsAsked) {
  HttpServerThread server(echoRequest);
  {
    HttpTestClient client(server.address());
    ASSERT_TRUE(client.send("GET /old HTTP/1.0\r\n\r\n"));
    auto resp = client.read();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->body, "GET /old ");
    EXPECT_TRUE(client.closedByPeer());
  }
  {
    HttpTestClient client(server.address());
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(client.send("GET /ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
      auto resp = client.read();
      ASSERT_TRUE(resp);
      EXPECT_EQ(resp->header("connection"), "keep-alive");
    }
  }
}

TEST(HttpServer, SendsNoBodyForHead) {
  HttpServerThread server(echoRequest);
  HttpTestClient client(server.address());
  ASSERT_TRUE(
      client.send("HEAD /h HTTP/1.1\r\nHost: h\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto head = client.read(/*noBody=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), std::to_string(std::string("HEAD /h ").size()));
  // The next bytes are the next response, not a body.
  auto get = client.read();
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, "GET /after ");
}

TEST(HttpServer, AnswersEachLimitWithItsStatusAndClosesOnlyThatConnection) {
  HttpParser::Limits limits;
  limits.maxRequestLine = 256;
  limits.maxHeaderBytes = 1024;
  limits.maxBodyBytes = 1000;
  HttpServerThread server(echoRequest, limits);
  HttpTestClient bystander(server.address());
  ASSERT_TRUE(bystander.get("/before"));

  const std::pair<std::string, int> cases[] = {
      {"GET /" + std::string(300, 'u') + " HTTP/1.1\r\nHost: h\r\n\r\n", 414},
      {"GET / HTTP/1.1\r\nHost: h\r\nBig: " + std::string(2000, 'h') + "\r\n\r\n", 431},
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n\r\n", 413},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n", 413},
      {"GET / HTTP/1.1\r\nNo Host\r\n\r\n", 400},
      {"BAD REQUEST\r\n\r\n", 400},
      {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 501},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: br\r\n\r\n", 501},
  };
  for (const auto& [request, status] : cases) {
    HttpTestClient client(server.address());
    ASSERT_TRUE(client.send(request));
    auto resp = client.read();
    ASSERT_TRUE(resp) << status;
    EXPECT_EQ(resp->status, status) << request.substr(0, 60);
    EXPECT_EQ(resp->header("connection"), "close");
    EXPECT_TRUE(client.closedByPeer()) << status;
  }
  auto after = bystander.get("/after");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, "GET /after ");
}

TEST(HttpServer, Sends100ContinueWhenAsked) {
  HttpServerThread server(echoRequest);
  HttpTestClient client(server.address());
  ASSERT_TRUE(client.send(
      "POST /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
  auto cont = client.read(/*noBody=*/true);
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(client.send("ok"));
  auto resp = client.read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->body, "POST /e ok");
}

TEST(HttpServer, ClosesIdleConnections) {
  HttpServerThread server(echoRequest, {}, std::chrono::milliseconds(200));
  HttpTestClient client(server.address());
  ASSERT_TRUE(client.get("/x"));
  // Bounded by the client's read timeout; the server closes long before.
  EXPECT_TRUE(client.closedByPeer());
}

TEST(HttpServer, Answers404WithoutACallback) {
  HttpServerThread server(nullptr);
  HttpTestClient client(server.address());
  auto resp = client.get("/anything");
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 404);
}

}  // namespace
}  // namespace muduo::net
