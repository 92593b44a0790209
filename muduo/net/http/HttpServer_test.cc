#include "muduo/net/http/HttpServer.h"

#include <atomic>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/TestUtil.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/TcpConnection.h"
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

// This thread's count of write-family syscalls (write, writev, sendfile...)
// from /proc/thread-self/io's syscw; -1 where the kernel does not keep it.
long long writeSyscallsOfThisThread() {
  std::ifstream io("/proc/thread-self/io");
  std::string key;
  long long value = 0;
  while (io >> key >> value) {
    if (key == "syscw:") return value;
  }
  return -1;
}

TEST(HttpServer, AnswersTheRequestsOfOneReadInOrderWithOneWrite) {
  // Read in the loop thread by the callback: at the first request of the
  // pipelined batch (before any of its answers went), and at a request sent
  // once all of them have arrived (after they went).
  std::atomic<long long> atFirst{-1};
  std::atomic<long long> atProbe{-1};
  std::atomic<bool> completion{false};
  HttpServerThread server([&](const HttpRequest& req, HttpResponse* resp) {
    completion = EventLoop::getEventLoopOfCurrentThread()->completionIo() != nullptr;
    if (req.target() == "/p0") atFirst = writeSyscallsOfThisThread();
    if (req.target() == "/probe") atProbe = writeSyscallsOfThisThread();
    echoRequest(req, resp);
  });
  HttpTestClient client(server.address());
  constexpr int kPipelined = 16;
  std::string all;
  for (int i = 0; i < kPipelined; ++i) {
    all += "GET /p" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
  }
  // One send of a few hundred bytes: one segment on loopback, one read.
  ASSERT_TRUE(client.send(all));
  for (int i = 0; i < kPipelined; ++i) {
    auto resp = client.read();
    ASSERT_TRUE(resp) << i;
    EXPECT_EQ(resp->body, "GET /p" + std::to_string(i) + " ");
    EXPECT_EQ(resp->header("connection"), "keep-alive");
  }
  auto probe = client.get("/probe");
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->body, "GET /probe ");
  if (atFirst < 0) GTEST_SKIP() << "no /proc/thread-self/io here";
  // Completion mode (MUDUO_USE_URING=io) sends through the ring: no write(2).
  if (completion) GTEST_SKIP() << "the order was checked; completion mode makes no write syscall";
  if (muduo::test::kSanitized) {
    // The sanitizers' runtimes probe memory with writes of their own to a
    // pipe, in this thread, so syscw counts more than our writes there.
    GTEST_SKIP() << "the order was checked; the write count is not, under a sanitizer";
  }
  // One write for the batch, as the connection gathers what a message
  // callback sends; one per response would be 16. The slack of one is for
  // a write the loop might make for itself, never seen so far.
  EXPECT_LE(atProbe - atFirst, 2) << "write syscalls for " << kPipelined << " responses";
  EXPECT_GE(atProbe - atFirst, 1);
}

TEST(HttpServer, AnswersPipelinedRequestsUpToConnectionCloseAndNoFurther) {
  HttpServerThread server(echoRequest);
  HttpTestClient client(server.address());
  ASSERT_TRUE(
      client.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
                  "GET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
                  "GET /c HTTP/1.1\r\nHost: h\r\n\r\n"
                  "GET /d HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto a = client.read();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->body, "GET /a ");
  EXPECT_EQ(a->header("connection"), "keep-alive");
  auto b = client.read();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->body, "GET /b ");
  EXPECT_EQ(b->header("connection"), "close");
  // /c and /d were in the same read; neither is answered.
  EXPECT_TRUE(client.closedByPeer());
}

TEST(HttpServer, APeerThatPipelinesAndDoesNotReadIsHeldToTheBudgetThenAnsweredInOrder) {
  constexpr size_t kBudget = 256 * 1024;
  constexpr size_t kBody = 16 * 1024;
  // About 16 MiB of answers, four times what the kernel may buffer for a
  // socket here (tcp_wmem's 4 MiB), to 31 KB of requests (which the kernel
  // takes whole, so the send below cannot block).
  constexpr int kRequests = 1000;
  std::mutex mutex;
  std::vector<std::weak_ptr<TcpConnection>> connections;
  std::atomic<int> answered{0};
  HttpServerThread server(
      [&answered](const HttpRequest& req, HttpResponse* resp) {
        if (req.target().starts_with("/g")) ++answered;
        std::string body = req.target();
        body.resize(kBody, '.');
        resp->setBody(std::move(body));
      },
      [&](HttpServer& s) {
        ConnectionOptions options;
        options.outputHighWaterMark = kBudget;
        options.outputLowWaterMark = kBudget / 4;
        s.setConnectionOptions(options);
        s.setConnectionCallback([&](const TcpConnectionPtr& conn) {
          std::lock_guard<std::mutex> lock(mutex);
          if (conn->connected()) connections.push_back(conn);
        });
      });
  // A small window: the kernel holds little of what the server sends it.
  HttpTestClient greedy(server.address(), 4096);
  ASSERT_TRUE(greedy.connected());
  std::shared_ptr<TcpConnection> conn;
  ASSERT_TRUE(test::waitUntil([&] {
    std::lock_guard<std::mutex> lock(mutex);
    if (connections.empty()) return false;
    conn = connections[0].lock();
    return true;
  }));
  ASSERT_TRUE(conn != nullptr);
  std::string requests;
  for (int i = 0; i < kRequests; ++i) {
    requests += "GET /g" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
  }
  ASSERT_TRUE(greedy.send(requests));
  // Not a wait for the queue to reach the budget: the kernel's send buffer
  // grows as it goes, so the queue can cross it and fall back below it (to
  // above the low-water mark) between two looks.
  ASSERT_TRUE(test::waitUntil([&] { return answered.load() > 0; }));
  // Another connection on the same loop is served meanwhile, and its round
  // trips come after the greedy one's bytes: what the server was going to
  // take from the greedy peer, it has taken.
  HttpTestClient other(server.address());
  for (int i = 0; i < 3; ++i) {
    auto resp = other.get("/other");
    ASSERT_TRUE(resp) << i;
    EXPECT_EQ(resp->body.substr(0, 6), "/other");
  }
  // The budget, plus the one response that crossed it.
  EXPECT_LE(conn->queuedOutputBytes(), kBudget + kBody + 1024);
  // It stopped taking requests: the rest wait unparsed.
  EXPECT_LT(answered.load(), kRequests);
  // Reading now: every answer comes, in order, as the server reads on.
  for (int i = 0; i < kRequests; ++i) {
    auto resp = greedy.read();
    ASSERT_TRUE(resp) << i;
    const std::string target = "/g" + std::to_string(i);
    ASSERT_EQ(resp->body.size(), kBody) << i;
    ASSERT_EQ(resp->body.substr(0, target.size() + 1), target + ".") << i;
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
