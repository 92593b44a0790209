#include "muduo/net/http/HttpServer.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/TestUtil.h"
#include "muduo/net/http/HttpTestUtil.h"

namespace muduo::net {
namespace {

using test::BlockingSocket;
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

TEST(HttpServer, AnswersRequestsWhoseLinesEndInABareLf) {
  HttpServerThread server(echoRequest);
  HttpTestClient client(server.address());
  ASSERT_TRUE(client.send("GET /lf HTTP/1.1\nHost: h\n\n"));
  auto resp = client.read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "GET /lf ");
  // A malformed one is refused, not left waiting for a CRLF.
  HttpTestClient bad(server.address());
  ASSERT_TRUE(bad.send("GET /x HTTP/1.1\nHost h\n\n"));
  auto refused = bad.read();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
}

TEST(HttpServer, ClosesAConnectionAfterItsKeepAliveRequests) {
  HttpServerThread server(echoRequest, [](HttpServer& s) { s.setMaxKeepAliveRequests(3); });
  HttpTestClient client(server.address());
  for (int i = 1; i <= 3; ++i) {
    auto resp = client.get("/k");
    ASSERT_TRUE(resp) << i;
    EXPECT_EQ(resp->header("connection"), i < 3 ? "keep-alive" : "close") << i;
  }
  EXPECT_TRUE(client.closedByPeer());
}

TEST(HttpServer, ClosesAThousandSlowlorisConnectionsAtTheRequestDeadlineWhileServingOthers) {
  HttpServerThread server(
      echoRequest, [](HttpServer& s) { s.setRequestTimeout(std::chrono::milliseconds(300)); });
  HttpTestClient bystander(server.address());
  ASSERT_TRUE(bystander.get("/before"));
  constexpr int kSlow = 1000;
  constexpr int kDrippers = 20;
  std::vector<std::unique_ptr<BlockingSocket>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<BlockingSocket>());
    ASSERT_EQ(slow.back()->connect(server.address()), 0) << i;
    // A whole request line (the parser takes it and waits for headers),
    // a part of one, or a part of a header line.
    const char* start = i % 3 == 0   ? "GET /slow HTTP/1.1\r\n"
                        : i % 3 == 1 ? "GET /sl"
                                     : "GET /slow HTTP/1.1\r\nHost: h\r\nX-Sl";
    ASSERT_TRUE(slow.back()->sendAll(start)) << i;
  }
  // Some keep sending a complete header line every 200 ms: each is taken
  // as it arrives, so only the parser knows the request is unfinished.
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < kDrippers; ++i) {
      // A send may fail once the server has closed the connection.
      (void)slow[static_cast<size_t>(i) * 3]->sendAll("X-Drip: 1\r\n");
    }
    auto resp = bystander.get("/during");
    ASSERT_TRUE(resp) << round;
    EXPECT_EQ(resp->body, "GET /during ");
    // Pacing the attacker, not waiting for a condition.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (int i = 0; i < kSlow; ++i) {
    char c;
    int error = 0;
    const ssize_t n = slow[static_cast<size_t>(i)]->readSome(&c, 1, &error);
    ASSERT_TRUE(n == 0 || (n < 0 && error == ECONNRESET))
        << "connection " << i << " still open: " << n << " " << error;
  }
  slow.clear();
  EXPECT_TRUE(test::waitUntil([&] { return server.numConnections() == 1; }));
  auto after = bystander.get("/after");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, "GET /after ");
}

TEST(HttpServer, LeavesNoConnectionBehindAfterClosingRequestsAnsweredLater) {
  // Answers each request 30 ms later from another thread.
  EventLoopThread answererThread;
  EventLoop* answerer = answererThread.startLoop();
  HttpServerThread server(echoRequest, [answerer](HttpServer& s) {
    s.setAsyncHttpCallback(
        [answerer](const TcpConnectionPtr&, const HttpRequest& request, HttpResponder& respond) {
          auto responder = std::make_shared<HttpResponder>(std::move(respond));
          answerer->runAfter(std::chrono::milliseconds(30), [responder, target = request.target()] {
            HttpResponse response;
            response.setBody("late " + target);
            std::move (*responder)(std::move(response));
          });
          return true;
        });
  });
  const size_t fdsBefore = test::countOpenFds();
  constexpr int kClients = 40;
  for (int i = 0; i < kClients; ++i) {
    HttpTestClient client(server.address());
    ASSERT_TRUE(client.connected());
    const std::string request = i % 2 == 0
                                    ? "GET /old HTTP/1.0\r\n\r\n"
                                    : "GET /close HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    ASSERT_TRUE(client.send(request));
    // Half read their answer; the others leave before it comes.
    if (i % 4 < 2) {
      auto resp = client.read();
      ASSERT_TRUE(resp) << i;
      EXPECT_EQ(resp->header("connection"), "close");
      EXPECT_TRUE(client.closedByPeer()) << i;
    }
  }
  EXPECT_TRUE(test::waitUntil([&] { return server.numConnections() == 0; }))
      << server.numConnections() << " connections left";
  EXPECT_TRUE(test::waitUntil([&] { return test::countOpenFds() <= fdsBefore; }))
      << test::countOpenFds() << " descriptors, " << fdsBefore << " before";
}

}  // namespace
}  // namespace muduo::net
