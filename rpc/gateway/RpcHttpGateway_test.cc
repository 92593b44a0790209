// HTTP on the RPC port: status pages, metrics, flags, health and JSON calls,
// while MRPC clients on the same port keep working.
#include "rpc/gateway/RpcHttpGateway.h"

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/CurrentThread.h"
#include "muduo/base/Logging.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/TestUtil.h"
#include "rpc/RpcChannel.h"
#include "rpc/RpcServer.h"
#include "rpc/RpcStats.h"
#include "rpc/compiler/testdata/test.rpc.h"

namespace muduo::rpc {
namespace {

// Echo answers at once, or, once holdAnswers() was called, keeps each `done`
// until the test answers it from its own thread: the shape of a service that
// answers after the gateway's onMessage() has returned. Any thread.
class EchoImpl final : public test::TestService::Service {
 public:
  // Echo's one failure: this text is answered NOT_FOUND.
  static constexpr std::string_view kNotFound = "not-found";
  // A buggy handler: for this text Echo drops `done` without calling it.
  static constexpr std::string_view kDrop = "drop";

  void holdAnswers() {
    MutexLock lock(&mutex_);
    holding_ = true;
  }
  // Waits up to net::test::kTimeout until `n` answers are held.
  [[nodiscard]] bool waitForHeld(size_t n) {
    MutexLock lock(&mutex_);
    const auto deadline = std::chrono::steady_clock::now() + net::test::kTimeout;
    while (held_.size() < n) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= left.zero()) return false;
      changed_.waitFor(&mutex_, left);
    }
    return true;
  }
  // Waits up to net::test::kTimeout until `n` held calls were cancelled.
  [[nodiscard]] bool waitForCancelled(int n) {
    MutexLock lock(&mutex_);
    const auto deadline = std::chrono::steady_clock::now() + net::test::kTimeout;
    while (cancelled_ < n) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= left.zero()) return false;
      changed_.waitFor(&mutex_, left);
    }
    return true;
  }
  // Count's progress: points written, and the most output its connection
  // held after a write.
  [[nodiscard]] int64_t countWritten() const { return countWritten_.load(); }
  [[nodiscard]] size_t countMaxQueued() const { return countMaxQueued_.load(); }
  // The thread the last Echo ran in.
  [[nodiscard]] int lastTid() {
    MutexLock lock(&mutex_);
    return lastTid_;
  }
  // Answers every held call, in the caller's thread.
  void answerHeld() {
    std::vector<DoneCallback> held;
    {
      MutexLock lock(&mutex_);
      held.swap(held_);
    }
    for (DoneCallback& done : held) std::move(done)(absl::OkStatus());
  }

 private:
  void Echo(ServerContext* context, const test::EchoRequest* request, test::EchoResponse* response,
            DoneCallback done) override {
    {
      MutexLock lock(&mutex_);
      lastTid_ = CurrentThread::tid();
    }
    if (request->text() == kDrop) return;
    if (request->text() == kNotFound) {
      std::move(done)(absl::NotFoundError("no such text"));
      return;
    }
    response->set_text(request->text());
    MutexLock lock(&mutex_);
    if (!holding_) {
      std::move(done)(absl::OkStatus());
      return;
    }
    held_.push_back(std::move(done));
    changed_.notifyAll();
    context->onCancel([this] {
      MutexLock lock(&mutex_);
      ++cancelled_;
      changed_.notifyAll();
    });
  }

  // Streams first..last as points (x, -x), writing while the connection is
  // ready and continuing from onReady, as a loop-thread handler must.
  struct Counter {
    ServerWriter<testcommon::Point> writer;
    int32_t next;
    int32_t last;
  };
  void Count(ServerContext*, const test::CountRequest_Range* request,
             ServerWriter<testcommon::Point> writer) override {
    pump(std::make_shared<Counter>(Counter{std::move(writer), request->first(), request->last()}));
  }
  void pump(const std::shared_ptr<Counter>& counter) {
    while (counter->next <= counter->last) {
      if (counter->writer.context()->isCancelled()) return;
      if (!counter->writer.IsReady()) {
        counter->writer.OnReady([this, counter] { pump(counter); });
        return;
      }
      testcommon::Point point;
      point.set_x(counter->next);
      point.set_y(-counter->next);
      if (!counter->writer.Write(point)) return;
      ++counter->next;
      countWritten_.fetch_add(1);
      const size_t queued = counter->writer.context()->queuedOutputBytes();
      size_t seen = countMaxQueued_.load();
      while (queued > seen && !countMaxQueued_.compare_exchange_weak(seen, queued)) {
      }
    }
    counter->writer.Finish(absl::OkStatus());
  }

  std::atomic<int64_t> countWritten_{0};
  std::atomic<size_t> countMaxQueued_{0};
  Mutex mutex_;
  Condition changed_;
  bool holding_ ABSL_GUARDED_BY(mutex_) = false;
  std::vector<DoneCallback> held_ ABSL_GUARDED_BY(mutex_);
  int cancelled_ ABSL_GUARDED_BY(mutex_) = 0;
  int lastTid_ ABSL_GUARDED_BY(mutex_) = 0;
};

class RpcHttpGatewayTest : public testing::Test {
 protected:
  [[nodiscard]] virtual RpcServer::Options serverOptions() const { return {}; }

  void SetUp() override {
    serverLoop_ = serverThread_.startLoop();
    CountDownLatch started(1);
    serverLoop_->runInLoop([this, &started] {
      server_ =
          std::make_unique<RpcServer>(serverLoop_, net::InetAddress(0, true), serverOptions());
      server_->addService(&impl_);
      server_->addProtocol(std::make_unique<RpcHttpGateway>(server_.get()));
      server_->setHealthCheck([this] {
        return healthy_.load() ? absl::OkStatus() : absl::UnavailableError("the disk failed");
      });
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

  std::atomic<bool> healthy_{true};

  std::string get(const std::string& path, const std::string& extra = "") {
    return http("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra + "\r\n");
  }

  std::string post(const std::string& path, const std::string& body,
                   const std::string& contentType = "application/json") {
    return http("POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" +
                (contentType.empty() ? "" : "Content-Type: " + contentType + "\r\n") +
                "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }

  // A JSON call whose answer comes from the test thread after the server's
  // loop has finished the onMessage() that took the request. `head` is the
  // request line and headers up to, not including, Content-Length.
  std::string postAnsweredLater(const std::string& head, const std::string& body) {
    impl_.holdAnswers();
    net::test::BlockingSocket socket;
    EXPECT_EQ(socket.connect(server_->listenAddress()), 0);
    EXPECT_TRUE(socket.sendAll(head + "Content-Length: " + std::to_string(body.size()) +
                               "\r\n\r\n" + body));
    if (!impl_.waitForHeld(1)) return "the call never reached the service";
    // A round trip through the server's loop: the onMessage() that took the
    // request has returned by the time this comes back.
    net::test::runInLoopAndWait(serverLoop_, [] {});
    impl_.answerHeld();
    int error = 0;
    return socket.readToEnd(&error);
  }

  // Sends a JSON Echo that the service holds, and waits until it does.
  void startHeldCall(net::test::BlockingSocket* socket) {
    impl_.holdAnswers();
    const std::string body = R"({"text": "held"})";
    ASSERT_EQ(socket->connect(server_->listenAddress()), 0);
    ASSERT_TRUE(socket->sendAll(
        "POST /rpc/muduo.rpc.test.TestService/Echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        "Content-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body));
    ASSERT_TRUE(impl_.waitForHeld(1));
  }

  // Waits (bounded) until the server counts no call in flight.
  [[nodiscard]] bool waitForNoCallsInFlight() {
    const auto deadline = std::chrono::steady_clock::now() + net::test::kTimeout;
    while (server_->inFlightCalls() > 0) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      // The loop thread may still hold the call it just cancelled.
      net::test::runInLoopAndWait(serverLoop_, [] {});
    }
    return true;
  }

  // Waits (bounded) until the server counts no open connection.
  [[nodiscard]] bool waitForNoConnections() {
    const auto deadline = std::chrono::steady_clock::now() + net::test::kTimeout;
    while (server_->stats().connections() > 0) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      // Closing is observed only through the gauge; a round trip through
      // the server's loop lets it process the peer's FIN before we look again.
      net::test::runInLoopAndWait(serverLoop_, [] {});
    }
    return true;
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

TEST_F(RpcHttpGatewayTest, HealthIs503AndStatusSaysWhyOnceTheHealthCheckFails) {
  EXPECT_NE(get("/status").find("health ok\n"), std::string::npos);
  healthy_.store(false);
  const std::string response = get("/health");
  EXPECT_EQ(response.substr(0, 12), "HTTP/1.1 503") << response;
  EXPECT_NE(response.find("unhealthy: UNAVAILABLE: the disk failed"), std::string::npos)
      << response;
  EXPECT_NE(get("/status").find("health UNAVAILABLE: the disk failed\n"), std::string::npos);
  EXPECT_NE(get("/status", "Accept: text/html\r\n").find("health UNAVAILABLE: the disk failed"),
            std::string::npos);
  healthy_.store(true);
  EXPECT_EQ(get("/health").substr(0, 15), "HTTP/1.1 200 OK");
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

TEST_F(RpcHttpGatewayTest, StatusAndMetricsShowTheLogLinesTheProcessDropped) {
  Logger::addDroppedLines(3);  // as an AsyncLogging under --log_overflow=drop does
  const std::string count = std::to_string(Logger::droppedLines());
  EXPECT_NE(get("/status").find("\nlog_dropped_lines " + count + "\n"), std::string::npos);
  EXPECT_NE(get("/status", "Accept: text/html\r\n").find("log lines dropped " + count),
            std::string::npos);
  EXPECT_NE(get("/metrics").find("\nmrpc_log_dropped_lines_total " + count + "\n"),
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

TEST_F(RpcHttpGatewayTest, JsonErrorsCarryTheCanonicalCodeName) {
  const std::string notFound = post("/rpc/muduo.rpc.test.TestService/Echo",
                                    R"({"text": ")" + std::string(EchoImpl::kNotFound) + R"("})");
  EXPECT_EQ(notFound.substr(0, 12), "HTTP/1.1 404") << notFound;
  EXPECT_NE(notFound.find(R"({"code": 5, "status": "NOT_FOUND", "message": "no such text"})"),
            std::string::npos)
      << notFound;
  const std::string unknown = post("/rpc/muduo.rpc.test.TestService/Nope", "{}");
  EXPECT_NE(unknown.find(R"("code": 12, "status": "UNIMPLEMENTED")"), std::string::npos) << unknown;
}

TEST_F(RpcHttpGatewayTest, JsonCallsWithoutAJsonContentTypeAreRefusedWith415) {
  for (const std::string type :
       {"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/jsonx", "text/plain; application/json"}) {
    const std::string response =
        post("/rpc/muduo.rpc.test.TestService/Echo", R"({"text": "hi"})", type);
    EXPECT_EQ(response.substr(0, 12), "HTTP/1.1 415") << type << ": " << response;
    EXPECT_NE(response.find(R"("status": "INVALID_ARGUMENT")"), std::string::npos) << response;
  }
  // Refused before the service saw it: no call was counted.
  EXPECT_EQ(get("/metrics").find("mrpc_calls_total{"), std::string::npos);
}

TEST_F(RpcHttpGatewayTest, TheJsonMediaTypeMatchesWithoutCaseAndWithParameters) {
  for (const std::string type :
       {"application/json", "Application/JSON", "application/json; charset=utf-8",
        "application/json;charset=UTF-8", "  application/json  ; q=1"}) {
    const std::string response =
        post("/rpc/muduo.rpc.test.TestService/Echo", R"({"text": "hi"})", type);
    EXPECT_EQ(response.substr(0, 15), "HTTP/1.1 200 OK") << type << ": " << response;
  }
}

TEST_F(RpcHttpGatewayTest, ARequestBodyThatDoesNotParseCountsAsAnErrorOfItsMethod) {
  EXPECT_EQ(post("/rpc/muduo.rpc.test.TestService/Echo", "{not json").substr(0, 12),
            "HTTP/1.1 400");
  EXPECT_EQ(post("/rpc/muduo.rpc.test.TestService/Echo", R"({"nofield": 1})").substr(0, 12),
            "HTTP/1.1 400");
  const std::string metrics = get("/metrics");
  EXPECT_NE(metrics.find("mrpc_calls_total{method=\"muduo.rpc.test.TestService.Echo\"} 2\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("mrpc_errors_total{method=\"muduo.rpc.test.TestService.Echo\"} 2\n"),
            std::string::npos)
      << metrics;
}

TEST_F(RpcHttpGatewayTest, ClientChosenMethodNamesNeverReachTheStatusPagesRaw) {
  const std::string script = "<script>alert(1)</script>";
  const std::string injection = "Echo\"} 1\nfake_metric 1\n";
  test::EchoRequest request;
  test::EchoResponse response;
  for (const std::string& method : {script, injection}) {
    EXPECT_EQ(
        channel_->blockingCall(test::TestService::kServiceName, method, request, &response).code(),
        absl::StatusCode::kUnimplemented);
  }
  // The HTTP parser may refuse the raw markup in a request target; the
  // percent-encoded form is a method name the gateway has to deal with.
  (void)post("/rpc/muduo.rpc.test.TestService/" + script, "{}");
  const std::string encoded = post("/rpc/muduo.rpc.test.TestService/%3Cscript%3E", "{}");
  EXPECT_EQ(encoded.substr(0, 12), "HTTP/1.1 404") << encoded;
  const auto snapshot = server_->stats().snapshot();
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0].first, RpcStats::kUnknownMethod);
  const std::string unknownErrors = std::to_string(snapshot[0].second.errors);
  EXPECT_GE(snapshot[0].second.errors, 3);

  const std::string html = get("/status", "Accept: text/html\r\n");
  EXPECT_EQ(html.find("<script"), std::string::npos) << html;
  EXPECT_EQ(html.find("fake_metric"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>(unknown)</td>"), std::string::npos) << html;
  const std::string text = get("/status");
  EXPECT_EQ(text.find("fake_metric"), std::string::npos) << text;
  EXPECT_EQ(text.find("script"), std::string::npos) << text;

  const std::string metrics = get("/metrics");
  const std::string body = metrics.substr(metrics.find("\r\n\r\n") + 4);
  size_t lines = 0;
  for (size_t at = 0; at < body.size(); at = body.find('\n', at) + 1) {
    ++lines;
    const std::string_view line = std::string_view(body).substr(at, body.find('\n', at) - at);
    EXPECT_TRUE(line.substr(0, 2) == "# " || line.substr(0, 5) == "mrpc_") << line;
  }
  EXPECT_GT(lines, 10u);
  EXPECT_NE(metrics.find("mrpc_errors_total{method=\"(unknown)\"} " + unknownErrors + "\n"),
            std::string::npos)
      << metrics;
}

TEST_F(RpcHttpGatewayTest, ManyDistinctUnknownMethodNamesKeepTheStatsTableToOneRow) {
  // Pipelined on one connection; small enough that neither side's socket
  // buffer fills while the other is not reading yet.
  constexpr int kCalls = 300;
  std::string requests;
  for (int i = 0; i < kCalls; ++i) {
    requests += "POST /rpc/muduo.rpc.test.TestService/M" + std::to_string(i) +
                " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                std::string(i == kCalls - 1 ? "Connection: close\r\n" : "") +
                "Content-Length: 2\r\n\r\n{}";
  }
  (void)http(requests);
  for (int i = 0; i < 50; ++i) {
    test::EchoRequest request;
    test::EchoResponse response;
    (void)channel_->blockingCall(test::TestService::kServiceName, "R" + std::to_string(i), request,
                                 &response);
  }
  const auto snapshot = server_->stats().snapshot();
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0].first, RpcStats::kUnknownMethod);
  EXPECT_EQ(snapshot[0].second.calls, kCalls + 50);
}

TEST_F(RpcHttpGatewayTest, PipelinedJsonCallsAnswerInOrderOnOneConnection) {
  std::string requests;
  for (int i = 0; i < 5; ++i) {
    const std::string body = R"({"text": ")" + std::to_string(i) + R"("})";
    requests +=
        "POST /rpc/muduo.rpc.test.TestService/Echo HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/json\r\n" +
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

TEST_F(RpcHttpGatewayTest, AJsonCallAnsweredFromAnotherThreadAfterOnMessageReturnedIsDelivered) {
  const std::string response = postAnsweredLater(
      "POST /rpc/muduo.rpc.test.TestService/Echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
      "Content-Type: application/json\r\n",
      R"({"text": "late"})");
  EXPECT_EQ(response.substr(0, 15), "HTTP/1.1 200 OK") << response;
  EXPECT_NE(response.find(R"({"text":"late"})"), std::string::npos) << response;
}

TEST_F(RpcHttpGatewayTest, LateAnswersToHttp10AndConnectionCloseCallsLeaveNoConnectionBehind) {
  stub_.reset();
  channel_.reset();  // the MRPC client's connection would count too
  ASSERT_TRUE(waitForNoConnections());
  const std::string http10 = postAnsweredLater(
      "POST /rpc/muduo.rpc.test.TestService/Echo HTTP/1.0\r\n"
      "Content-Type: application/json\r\n",
      R"({"text": "one"})");
  EXPECT_NE(http10.find(R"({"text":"one"})"), std::string::npos) << http10;
  const std::string close = postAnsweredLater(
      "POST /rpc/muduo.rpc.test.TestService/Echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
      "Content-Type: application/json\r\n",
      R"({"text": "two"})");
  EXPECT_NE(close.find(R"({"text":"two"})"), std::string::npos) << close;
  EXPECT_TRUE(waitForNoConnections()) << server_->stats().connections() << " still open";
}

TEST_F(RpcHttpGatewayTest, AJsonCallItsServiceDropsUnansweredGets500InsteadOfAHungConnection) {
  const std::string response = post("/rpc/muduo.rpc.test.TestService/Echo",
                                    R"({"text": ")" + std::string(EchoImpl::kDrop) + R"("})");
  EXPECT_EQ(response.substr(0, 12), "HTTP/1.1 500") << response;
  EXPECT_NE(response.find(R"("status": "INTERNAL")"), std::string::npos) << response;
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

TEST_F(RpcHttpGatewayTest, AJsonCallIsInFlightUntilAnsweredAndShutdownWaitsForIt) {
  net::test::BlockingSocket socket;
  startHeldCall(&socket);
  EXPECT_EQ(server_->inFlightCalls(), 1);
  CountDownLatch done(1);
  serverLoop_->runInLoop(
      [this, &done] { server_->shutdown(net::test::kTimeout, [&done] { done.countDown(); }); });
  // Shutdown polls every 10 ms; it must still be waiting a few polls later.
  EXPECT_FALSE(done.waitFor(std::chrono::milliseconds(100)));
  impl_.answerHeld();
  int error = 0;
  const std::string response = socket.readToEnd(&error);
  EXPECT_NE(response.find(R"({"text":"held"})"), std::string::npos) << response;
  // The rest of the shutdown waits for the peers to close.
  socket.close();
  stub_.reset();
  channel_.reset();
  EXPECT_TRUE(
      done.waitFor(std::chrono::duration_cast<std::chrono::milliseconds>(net::test::kTimeout)));
  EXPECT_EQ(server_->inFlightCalls(), 0);
}

TEST_F(RpcHttpGatewayTest, AJsonCallIsCancelledWhenItsConnectionCloses) {
  net::test::BlockingSocket socket;
  startHeldCall(&socket);
  socket.close();
  EXPECT_TRUE(impl_.waitForCancelled(1));
  // The late answer goes nowhere and harms nobody.
  impl_.answerHeld();
  EXPECT_TRUE(waitForNoCallsInFlight());
}

// A chunked body's payload; empty, with *complete false, if it is cut short.
std::string dechunk(std::string_view body, bool* complete) {
  std::string out;
  *complete = false;
  for (;;) {
    const size_t eol = body.find("\r\n");
    if (eol == std::string_view::npos) return out;
    const size_t size = std::stoul(std::string(body.substr(0, eol)), nullptr, 16);
    body.remove_prefix(eol + 2);
    if (size == 0) {
      *complete = body == "\r\n";
      return out;
    }
    if (body.size() < size + 2) return out;
    out += body.substr(0, size);
    body.remove_prefix(size + 2);
  }
}

TEST_F(RpcHttpGatewayTest, AStreamingMethodAnswersNewlineDelimitedJsonInChunks) {
  const std::string response =
      post("/rpc/muduo.rpc.test.TestService/Count", R"({"first": 1, "last": 3})");
  EXPECT_EQ(response.substr(0, 15), "HTTP/1.1 200 OK") << response;
  EXPECT_NE(response.find("Content-Type: application/x-ndjson\r\n"), std::string::npos);
  EXPECT_NE(response.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << response;
  EXPECT_EQ(response.find("Content-Length"), std::string::npos) << response;
  bool complete = false;
  const std::string lines = dechunk(response.substr(response.find("\r\n\r\n") + 4), &complete);
  EXPECT_TRUE(complete) << response;
  EXPECT_EQ(lines,
            "{\"x\":1,\"y\":-1}\n{\"x\":2,\"y\":-2}\n{\"x\":3,\"y\":-3}\n"
            "{\"status\": \"OK\", \"code\": 0}\n");
  // Counted like any other call.
  EXPECT_NE(get("/metrics").find("muduo.rpc.test.TestService.Count\"} 1\n"), std::string::npos);
}

TEST_F(RpcHttpGatewayTest, AStreamThenAnotherRequestOnTheSameConnection) {
  const std::string count =
      "POST /rpc/muduo.rpc.test.TestService/Count HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"last\": 0}";
  const std::string response =
      http(count + "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const size_t second = response.find("HTTP/1.1 200 OK", 1);
  ASSERT_NE(second, std::string::npos) << response;
  EXPECT_NE(response.find("\r\n0\r\n\r\n"), std::string::npos) << response;
  EXPECT_LT(response.find("{\"status\": \"OK\", \"code\": 0}"), second) << response;
  EXPECT_EQ(response.substr(response.size() - 3), "ok\n") << response;
}

TEST_F(RpcHttpGatewayTest, AStreamingCallOverHttp10IsRefused) {
  const std::string response = http(
      "POST /rpc/muduo.rpc.test.TestService/Count HTTP/1.0\r\n"
      "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(response.substr(0, 12), "HTTP/1.1 400") << response;
}

class RpcHttpGatewaySmallBudgetTest : public RpcHttpGatewayTest {
 protected:
  static constexpr size_t kBudget = 64 * 1024;
  [[nodiscard]] RpcServer::Options serverOptions() const override {
    RpcServer::Options options;
    options.connection.outputHighWaterMark = kBudget;
    options.connection.outputLowWaterMark = kBudget / 4;
    return options;
  }
  // Waits (bounded) until Count has stopped writing for a while.
  int64_t waitUntilCountSitsStill() {
    int64_t written = -1;
    for (int i = 0; i < 100 && written != impl_.countWritten(); ++i) {
      written = impl_.countWritten();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return written;
  }
};

TEST_F(RpcHttpGatewaySmallBudgetTest, AStreamToAClientThatStopsReadingIsHeldToTheBudget) {
  constexpr int kPoints = 2'000'000;  // about 50 MB of NDJSON if it were buffered
  net::test::BlockingSocket socket;
  // A small window, so the kernel holds little of the stream for us.
  const int window = 16 * 1024;
  ASSERT_EQ(setsockopt(socket.fd(), SOL_SOCKET, SO_RCVBUF, &window, sizeof window), 0);
  ASSERT_EQ(socket.connect(server_->listenAddress()), 0);
  const std::string body = R"({"first": 1, "last": )" + std::to_string(kPoints) + "}";
  ASSERT_TRUE(
      socket.sendAll("POST /rpc/muduo.rpc.test.TestService/Count HTTP/1.1\r\nHost: x\r\n"
                     "Content-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body));
  const int64_t paused = waitUntilCountSitsStill();
  EXPECT_GT(paused, 0);
  EXPECT_LT(paused, kPoints);
  // One JSON line and its chunk framing past the budget at most.
  EXPECT_LE(impl_.countMaxQueued(), kBudget + 64);

  // Reading resumes the stream, still within the budget.
  std::string read;
  char chunk[64 * 1024];
  int error = 0;
  const auto deadline = std::chrono::steady_clock::now() + net::test::kTimeout;
  const std::string firstLine = "{\"x\":1,\"y\":-1}\n";
  // Until the stream has moved on and its first line is in: under a
  // sanitizer the first read may hold only the response head.
  while ((impl_.countWritten() <= paused || read.find(firstLine) == std::string::npos) &&
         std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = socket.readSome(chunk, sizeof chunk, &error);
    ASSERT_GT(n, 0) << error;
    if (read.size() < 1024 * 1024) read.append(chunk, static_cast<size_t>(n));
  }
  EXPECT_GT(impl_.countWritten(), paused);
  EXPECT_LT(waitUntilCountSitsStill(), kPoints);
  EXPECT_LE(impl_.countMaxQueued(), kBudget + 64);
  EXPECT_NE(read.find(firstLine), std::string::npos);

  // Hanging up ends the stream: the handler stops and nothing stays in flight.
  socket.close();
  EXPECT_TRUE(waitForNoCallsInFlight());
  EXPECT_LT(impl_.countWritten(), kPoints);
}

class RpcHttpGatewayWorkersTest : public RpcHttpGatewayTest {
 protected:
  [[nodiscard]] RpcServer::Options serverOptions() const override {
    RpcServer::Options options;
    options.workerThreads = 2;
    return options;
  }
};

TEST_F(RpcHttpGatewayWorkersTest, JsonCallsRunOnTheWorkerPoolLikeRpcCalls) {
  int loopTid = 0;
  net::test::runInLoopAndWait(serverLoop_, [&loopTid] { loopTid = CurrentThread::tid(); });
  const std::string response = post("/rpc/muduo.rpc.test.TestService/Echo", R"({"text": "w"})");
  EXPECT_NE(response.find(R"({"text":"w"})"), std::string::npos) << response;
  EXPECT_NE(impl_.lastTid(), loopTid);
  EXPECT_NE(impl_.lastTid(), 0);
}

TEST_F(RpcHttpGatewayWorkersTest, AJsonCallOnAWorkerIsCancelledWhenItsConnectionCloses) {
  net::test::BlockingSocket socket;
  startHeldCall(&socket);
  socket.close();
  EXPECT_TRUE(impl_.waitForCancelled(1));
}

}  // namespace
}  // namespace muduo::rpc
