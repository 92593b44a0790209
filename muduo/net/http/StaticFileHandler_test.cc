#include "muduo/net/http/StaticFileHandler.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/net/TcpConnection.h"
#include "muduo/net/TestUtil.h"
#include "muduo/net/http/HttpTestUtil.h"

namespace muduo::net {
namespace {

using test::HttpServerThread;
using test::HttpTestClient;

constexpr size_t kBigSize = 8 * 1024 * 1024;  // larger than loopback's socket buffers
constexpr size_t kMidSize = 64 * 1024;

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

// Sends `count` GETs of `target` in one write (pipelined: one second holds
// them all however slow the machine) and reads every response.
std::vector<test::HttpTestResponse> pipelineGets(HttpTestClient& client, std::string_view target,
                                                 int count) {
  std::string burst;
  for (int i = 0; i < count; ++i) {
    burst.append("GET ").append(target).append(" HTTP/1.1\r\nHost: h\r\n\r\n");
  }
  std::vector<test::HttpTestResponse> responses;
  if (!client.send(burst)) return responses;
  for (int i = 0; i < count; ++i) {
    auto resp = client.read();
    if (!resp) break;
    responses.push_back(std::move(*resp));
  }
  return responses;
}

class StaticFileHandlerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* tmp = std::getenv("TEST_TMPDIR");
    base_ = std::string(tmp != nullptr ? tmp : "/tmp") + "/static_" + std::to_string(::getpid());
    root_ = base_ + "/root";
    ASSERT_EQ(::mkdir(base_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(root_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((root_ + "/sub").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((base_ + "/outside").c_str(), 0755), 0);
    writeFile(root_ + "/index.html", "<h1>root</h1>");
    writeFile(root_ + "/a.txt", "0123456789abcdefghij");
    writeFile(root_ + "/style.CSS", "body{}");
    writeFile(root_ + "/sub/index.html", "<h1>sub</h1>");
    writeFile(root_ + "/big.bin", test::makePattern(0, kBigSize));
    writeFile(root_ + "/mid.bin", test::makePattern(0, kMidSize));
    writeFile(base_ + "/outside/secret.txt", "SECRET");
    writeFile(root_ + "/.env", "PASSWORD=x");
    ASSERT_EQ(::mkdir((root_ + "/.git").c_str(), 0755), 0);
    writeFile(root_ + "/.git/config", "[core]");
    writeFile(root_ + "/sub/.hidden", "hidden");
    ASSERT_EQ(::mkdir((root_ + "/evil.com").c_str(), 0755), 0);
    writeFile(root_ + "/evil.com/index.html", "not evil");
    ASSERT_EQ(::symlink("../outside/secret.txt", (root_ + "/link").c_str()), 0);
    ASSERT_EQ(::symlink("../outside", (root_ + "/dirlink").c_str()), 0);
    ASSERT_EQ(::symlink("a.txt", (root_ + "/inside_link").c_str()), 0);
    // A fixed mtime, so the date tests do not depend on the clock.
    struct timeval times[2] = {{1'600'000'000, 0}, {1'600'000'000, 0}};
    ASSERT_EQ(::utimes((root_ + "/a.txt").c_str(), times), 0);
  }

  void SetUp() override {
    auto handler = StaticFileHandler::create(root_);
    ASSERT_TRUE(handler.ok()) << handler.status();
    server_ = std::make_unique<HttpServerThread>(*handler);
    client_ = std::make_unique<HttpTestClient>(server_->address());
    ASSERT_TRUE(client_->connected());
  }

  // A server with a 1 MiB output budget, recording its connections. Without
  // prebuilt responses unless asked: every response then queues a header
  // and a file, the path whose budget these tests hold.
  std::unique_ptr<HttpServerThread> budgetedServer(bool prebuilt = false) {
    StaticFileHandler::Options handlerOptions;
    if (!prebuilt) handlerOptions.maxPrebuiltFileBytes = 0;
    auto handler = StaticFileHandler::create(root_, handlerOptions);
    EXPECT_TRUE(handler.ok()) << handler.status();
    return std::make_unique<HttpServerThread>(*handler, [this](HttpServer& s) {
      ConnectionOptions options;
      options.outputHighWaterMark = kHighWaterMark;
      options.outputLowWaterMark = kHighWaterMark / 4;
      s.setConnectionOptions(options);
      s.setConnectionCallback([this](const TcpConnectionPtr& conn) {
        std::lock_guard<std::mutex> lock(connectionsMutex_);
        if (conn->connected()) connections_.push_back(conn);
      });
    });
  }

  // The server side of the n-th connection budgetedServer() accepted.
  std::shared_ptr<TcpConnection> connection(size_t n) {
    std::shared_ptr<TcpConnection> conn;
    EXPECT_TRUE(test::waitUntil([&] {
      std::lock_guard<std::mutex> lock(connectionsMutex_);
      if (connections_.size() <= n) return false;
      conn = connections_[n].lock();
      return true;
    }));
    return conn;
  }

  // A peer that sends `requests` and never reads: once the server has
  // stopped taking its requests, another client is still served, and the
  // server holds about one budget (plus one response) of output and a few
  // descriptors for it.
  //
  // With prebuilt responses the kernel's send buffer takes more of them
  // (each is one file, no header), so the queue need not reach the budget
  // before the peer's window closes; then only the bound is checked.
  void expectHeldToTheBudget(const std::string& requests, size_t largestResponse,
                             bool prebuilt = false) {
    auto server = budgetedServer(prebuilt);
    const size_t fdsBefore = test::countOpenFds();
    HttpTestClient greedy(server->address());
    ASSERT_TRUE(greedy.connected());
    std::shared_ptr<TcpConnection> conn = connection(0);
    ASSERT_TRUE(conn != nullptr);
    ASSERT_TRUE(greedy.send(requests));
    if (!prebuilt) {
      ASSERT_TRUE(test::waitUntil([&] { return conn->queuedOutputBytes() >= kHighWaterMark; }))
          << conn->queuedOutputBytes();
    }
    HttpTestClient other(server->address());
    for (int i = 0; i < 3; ++i) {
      auto resp = other.get("/a.txt");
      ASSERT_TRUE(resp) << i;
      EXPECT_EQ(resp->body, "0123456789abcdefghij");
    }
    // The other client's round trips went through the same loop after the
    // greedy one's bytes: what the server was going to take, it has taken.
    EXPECT_LE(conn->queuedOutputBytes(), kHighWaterMark + largestResponse + 4096);
    // Two sockets each for the clients and the server's connections, at
    // most the greedy connection's front file, and slack of three: the
    // point is a small constant, where the old code held one descriptor
    // per queued response (thousands). Waited for: the server closes the
    // other client's file just after the client has its bytes.
    EXPECT_TRUE(test::waitUntil([&] { return test::countOpenFds() <= fdsBefore + 8; }))
        << test::countOpenFds() << " descriptors, " << fdsBefore << " before";
  }

  static constexpr size_t kHighWaterMark = 1024 * 1024;
  static std::string base_;
  static std::string root_;
  std::mutex connectionsMutex_;
  std::vector<std::weak_ptr<TcpConnection>> connections_;
  std::unique_ptr<HttpServerThread> server_;
  std::unique_ptr<HttpTestClient> client_;
};

std::string StaticFileHandlerTest::base_;
std::string StaticFileHandlerTest::root_;

TEST_F(StaticFileHandlerTest, ServesAFileWithTypeAndLastModified) {
  auto resp = client_->get("/a.txt");
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "0123456789abcdefghij");
  EXPECT_EQ(resp->header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(resp->header("last-modified"), "Sun, 13 Sep 2020 12:26:40 GMT");
  EXPECT_EQ(resp->header("accept-ranges"), "bytes");
  auto css = client_->get("/style.CSS");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->header("content-type"), "text/css; charset=utf-8");
  auto inside = client_->get("/inside_link");
  ASSERT_TRUE(inside);
  EXPECT_EQ(inside->body, "0123456789abcdefghij");
  // Escaped (decoded only then) or not, the same file.
  for (const char* target : {"/%61.txt", "/a%2etxt", "//a.txt", "/./a.txt", "/a.txt?x=%zz"}) {
    auto same = client_->get(target);
    ASSERT_TRUE(same) << target;
    EXPECT_EQ(same->status, 200) << target;
    EXPECT_EQ(same->body, "0123456789abcdefghij") << target;
  }
}

TEST_F(StaticFileHandlerTest, ServesIndexHtmlAndRedirectsDirectoriesToTheirSlash) {
  auto root = client_->get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->body, "<h1>root</h1>");
  EXPECT_EQ(root->header("content-type"), "text/html; charset=utf-8");
  auto redirect = client_->get("/sub?q=1");
  ASSERT_TRUE(redirect);
  EXPECT_EQ(redirect->status, 301);
  EXPECT_EQ(redirect->header("location"), "/sub/?q=1");
  auto sub = client_->get("/sub/");
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->body, "<h1>sub</h1>");
  auto missing = client_->get("/nope.txt");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(StaticFileHandlerTest, RefusesEveryPathOutOfTheRoot) {
  const char* attempts[] = {
      "/../outside/secret.txt",
      "/sub/../../outside/secret.txt",
      "/%2e%2e/outside/secret.txt",
      "/%2E%2E/outside/secret.txt",
      "/sub/%2e%2e/%2e%2e/outside/secret.txt",
      "/..%2foutside%2fsecret.txt",
      "/%2e%2e%2f%2e%2e%2foutside/secret.txt",
      "/link",
      "/dirlink/secret.txt",
      "/dirlink/",
      "/a.txt%00.html",
      "/%zz",
  };
  for (const char* target : attempts) {
    auto resp = client_->get(target);
    ASSERT_TRUE(resp) << target;
    EXPECT_TRUE(resp->status == 403 || resp->status == 404 || resp->status == 400)
        << target << " -> " << resp->status;
    EXPECT_EQ(resp->body.find("SECRET"), std::string::npos) << target;
  }
}

TEST_F(StaticFileHandlerTest, SendsAFileLargerThanTheSocketBufferIntact) {
  // Two big files and a small one pipelined: each arrives whole and in order.
  ASSERT_TRUE(
      client_->send("GET /big.bin HTTP/1.1\r\nHost: h\r\n\r\n"
                    "GET /big.bin HTTP/1.1\r\nHost: h\r\nRange: bytes=1000-\r\n\r\n"
                    "GET /a.txt HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto big = client_->read();
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 200);
  ASSERT_EQ(big->body.size(), kBigSize);
  EXPECT_TRUE(test::matchesPattern(0, big->body));
  EXPECT_EQ(big->header("content-type"), "application/octet-stream");
  auto tail = client_->read();
  ASSERT_TRUE(tail);
  EXPECT_EQ(tail->status, 206);
  ASSERT_EQ(tail->body.size(), kBigSize - 1000);
  EXPECT_TRUE(test::matchesPattern(1000, tail->body));
  auto small = client_->read();
  ASSERT_TRUE(small);
  EXPECT_EQ(small->body, "0123456789abcdefghij");
}

TEST_F(StaticFileHandlerTest, AnswersByteRangesWith206And416) {
  auto mid = client_->get("/a.txt", "Range: bytes=10-14\r\n");
  ASSERT_TRUE(mid);
  EXPECT_EQ(mid->status, 206);
  EXPECT_EQ(mid->body, "abcde");
  EXPECT_EQ(mid->header("content-range"), "bytes 10-14/20");
  auto suffix = client_->get("/a.txt", "Range: bytes=-3\r\n");
  ASSERT_TRUE(suffix);
  EXPECT_EQ(suffix->status, 206);
  EXPECT_EQ(suffix->body, "hij");
  auto open = client_->get("/a.txt", "Range: bytes=15-100\r\n");
  ASSERT_TRUE(open);
  EXPECT_EQ(open->body, "fghij");
  EXPECT_EQ(open->header("content-range"), "bytes 15-19/20");
  auto beyond = client_->get("/a.txt", "Range: bytes=20-\r\n");
  ASSERT_TRUE(beyond);
  EXPECT_EQ(beyond->status, 416);
  EXPECT_EQ(beyond->header("content-range"), "bytes */20");
  // Several ranges or nonsense: the whole file.
  auto multi = client_->get("/a.txt", "Range: bytes=0-1,5-6\r\n");
  ASSERT_TRUE(multi);
  EXPECT_EQ(multi->status, 200);
  EXPECT_EQ(multi->body.size(), 20u);
  auto junk = client_->get("/a.txt", "Range: lines=1-2\r\n");
  ASSERT_TRUE(junk);
  EXPECT_EQ(junk->status, 200);
}

TEST_F(StaticFileHandlerTest, AnswersNotModifiedWhenTheFileIsNoNewer) {
  auto same = client_->get("/a.txt", "If-Modified-Since: Sun, 13 Sep 2020 12:26:40 GMT\r\n");
  ASSERT_TRUE(same);
  EXPECT_EQ(same->status, 304);
  EXPECT_TRUE(same->body.empty());
  auto older = client_->get("/a.txt", "If-Modified-Since: Sun, 13 Sep 2020 12:26:39 GMT\r\n");
  ASSERT_TRUE(older);
  EXPECT_EQ(older->status, 200);
  auto bad = client_->get("/a.txt", "If-Modified-Since: yesterday\r\n");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 200);
  // The connection is still in step after a 304.
  auto next = client_->get("/a.txt");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body.size(), 20u);
}

TEST_F(StaticFileHandlerTest, HeadSendsTheLengthButNoBody) {
  ASSERT_TRUE(client_->send(
      "HEAD /big.bin HTTP/1.1\r\nHost: h\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto head = client_->read(/*noBody=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), std::to_string(kBigSize));
  auto next = client_->read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "0123456789abcdefghij");
}

// A file asked for often is sent from a prebuilt copy of its whole
// response: the bytes must be those of the usual response, every other kind
// of request to it (HEAD, a range, a closing one) must still be built as
// usual, and a change on disk must be served once the entry is checked.
TEST_F(StaticFileHandlerTest, AFileAskedForOftenIsSentWholeFromAPrebuiltCopyThatStaysCorrect) {
  writeFile(root_ + "/hot.bin", test::makePattern(7, kMidSize / 2));
  StaticFileHandler::Options options;
  options.cache.validity = std::chrono::milliseconds(0);  // every request checks the disk
  auto handler = StaticFileHandler::create(root_, options);
  ASSERT_TRUE(handler.ok()) << handler.status();
  HttpServerThread server(*handler);
  HttpTestClient client(server.address());
  ASSERT_TRUE(client.connected());
  const std::string expected = test::makePattern(7, kMidSize / 2);
  // The first few are built as usual, the rest come from the copy.
  constexpr int kRequests = 40;
  const std::vector<test::HttpTestResponse> hot = pipelineGets(client, "/hot.bin", kRequests);
  ASSERT_EQ(hot.size(), size_t{kRequests});
  for (int i = 0; i < kRequests; ++i) {
    const test::HttpTestResponse* resp = &hot[static_cast<size_t>(i)];
    EXPECT_EQ(resp->status, 200) << i;
    EXPECT_EQ(resp->body, expected) << i;
    EXPECT_EQ(resp->header("content-type"), "application/octet-stream") << i;
    EXPECT_EQ(resp->header("content-length"), std::to_string(expected.size())) << i;
    EXPECT_EQ(resp->header("connection"), "keep-alive") << i;
    EXPECT_FALSE(resp->header("last-modified").empty()) << i;
    EXPECT_FALSE(resp->header("date").empty()) << i;
  }
  EXPECT_GT(handler->prebuiltResponses(), 0u);

  // The same file, asked for otherwise, answered as such.
  auto head = client.get("/hot.bin", "X-Pad: 1\r\n");
  ASSERT_TRUE(head);
  ASSERT_TRUE(client.send("HEAD /hot.bin HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto headResp = client.read(/*noBody=*/true);
  ASSERT_TRUE(headResp);
  EXPECT_EQ(headResp->status, 200);
  EXPECT_EQ(headResp->header("content-length"), std::to_string(expected.size()));
  auto range = client.get("/hot.bin", "Range: bytes=10-19\r\n");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->status, 206);
  EXPECT_EQ(range->body, expected.substr(10, 10));
  auto fresh = client.get("/hot.bin");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->body, expected);

  // Changed on disk (another size, so the identity differs at once):
  // served fresh, never the prebuilt copy of the old bytes.
  const std::string changed = test::makePattern(9, kMidSize / 4);
  writeFile(root_ + "/hot.bin.new", changed);
  ASSERT_EQ(::rename((root_ + "/hot.bin.new").c_str(), (root_ + "/hot.bin").c_str()), 0);
  for (int i = 0; i < 2 * static_cast<int>(StaticFileHandler::kPrebuildAfterUses); ++i) {
    auto after = client.get("/hot.bin");
    ASSERT_TRUE(after) << i;
    EXPECT_EQ(after->body, changed) << i;
  }

  // A request that closes the connection gets a response that says so.
  ASSERT_TRUE(client.send("GET /hot.bin HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  auto last = client.read();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->header("connection"), "close");
  EXPECT_EQ(last->body, changed);
  EXPECT_TRUE(client.closedByPeer());
}

// A server that wraps the handler and adds to its responses afterwards
// must see its additions on the wire, prebuilt copy or not.
TEST_F(StaticFileHandlerTest, WhatACallbackAddsAfterTheHandlerGoesOutEvenForAHotFile) {
  auto handler = StaticFileHandler::create(root_);
  ASSERT_TRUE(handler.ok()) << handler.status();
  HttpServerThread server(
      [h = *handler](const HttpRequest& request, HttpResponse* response) {
        h.handle(request, response);
        response->addHeader("Cache-Control", "max-age=60");
      },
      HttpParser::Limits{});
  HttpTestClient client(server.address());
  ASSERT_TRUE(client.connected());
  const std::vector<test::HttpTestResponse> responses = pipelineGets(client, "/mid.bin", 20);
  ASSERT_EQ(responses.size(), 20u);
  for (const test::HttpTestResponse& resp : responses) {
    EXPECT_EQ(resp.header("cache-control"), "max-age=60");
    EXPECT_EQ(resp.body, test::makePattern(0, kMidSize));
  }
}

// A server that adds a header of its own to each response before the
// handler runs (a request id, a header chosen from the request) must see
// each response carry its own: the prebuilt copy holds the headers of the
// request that built it, and must never go out for another one's.
TEST_F(StaticFileHandlerTest, WhatACallbackAddsBeforeTheHandlerIsThatResponsesOwnEvenForAHotFile) {
  auto handler = StaticFileHandler::create(root_);
  ASSERT_TRUE(handler.ok()) << handler.status();
  int next = 0;  // the server's loop thread only
  HttpServerThread server(
      [h = *handler, &next](const HttpRequest& request, HttpResponse* response) {
        response->addHeader("X-Request", std::to_string(next++));
        h.handle(request, response);
      },
      HttpParser::Limits{});
  HttpTestClient client(server.address());
  ASSERT_TRUE(client.connected());
  constexpr int kRequests = 20;
  const std::vector<test::HttpTestResponse> responses = pipelineGets(client, "/mid.bin", kRequests);
  ASSERT_EQ(responses.size(), size_t{kRequests});
  for (int i = 0; i < kRequests; ++i) {
    const test::HttpTestResponse& resp = responses[static_cast<size_t>(i)];
    EXPECT_EQ(resp.header("x-request"), std::to_string(i)) << i;
    EXPECT_EQ(resp.body, test::makePattern(0, kMidSize)) << i;
  }
}

// A peer that pipelines requests for many different files (each larger
// than the cache keeps in memory) and never reads, under a budget that lets
// the server answer them all: a response queued behind another file holds
// no descriptor of its own (it opens its file in turn), so the server holds
// a few descriptors for the peer, not one per queued file. Prebuilt
// responses (each file asked for kPrebuildAfterUses + 1 times) the same.
void expectFewDescriptorsForManyQueuedFiles(const std::string& root, bool prebuilt) {
  constexpr size_t kFileSize = 2048;  // over maxFileBytesInMemory: by descriptor
  const int uses = prebuilt ? static_cast<int>(StaticFileHandler::kPrebuildAfterUses) + 1 : 1;
  // Under the server's 1000 requests per connection.
  const int files = 990 / uses;
  const std::string dir = root + (prebuilt ? "/manyhot" : "/many");
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  for (int i = 0; i < files; ++i) {
    writeFile(dir + "/f" + std::to_string(i), test::makePattern(i, kFileSize));
  }
  StaticFileHandler::Options options;
  options.cache.maxOpenFiles = 8;
  if (!prebuilt) options.maxPrebuiltFileBytes = 0;
  auto handler = StaticFileHandler::create(root, options);
  ASSERT_TRUE(handler.ok()) << handler.status();
  std::atomic<int> handled{0};
  HttpServerThread server(
      [h = *handler, &handled](const HttpRequest& request, HttpResponse* response) {
        h.handle(request, response);
        handled.fetch_add(1);
      },
      [](HttpServer& s) {
        ConnectionOptions connectionOptions;
        connectionOptions.outputHighWaterMark = 256 * 1024 * 1024;
        connectionOptions.outputLowWaterMark = 1024 * 1024;
        s.setConnectionOptions(connectionOptions);
      });
  const size_t fdsBefore = test::countOpenFds();
  HttpTestClient greedy(server.address());
  ASSERT_TRUE(greedy.connected());
  std::string requests;
  for (int i = 0; i < files; ++i) {
    for (int u = 0; u < uses; ++u) {
      requests.append("GET /")
          .append(prebuilt ? "manyhot" : "many")
          .append("/f" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n");
    }
  }
  ASSERT_TRUE(greedy.send(requests));
  ASSERT_TRUE(test::waitUntil([&] { return handled.load() == files * uses; })) << handled.load();
  // Answered, and most of it queued: the kernel took a few hundred KiB.
  // Two sockets, the cache's descriptors (a file and a prebuilt copy for
  // each), the front file, and slack: where the old code held one (or two)
  // per queued file.
  EXPECT_LE(test::countOpenFds(), fdsBefore + 2 + 2 * options.cache.maxOpenFiles + 1 + 3)
      << fdsBefore << " descriptors before";
}

TEST_F(StaticFileHandlerTest, QueuedResponsesForManyFilesHoldNoDescriptorEach) {
  expectFewDescriptorsForManyQueuedFiles(root_, /*prebuilt=*/false);
}

TEST_F(StaticFileHandlerTest, QueuedPrebuiltResponsesForManyFilesHoldNoDescriptorEach) {
  expectFewDescriptorsForManyQueuedFiles(root_, /*prebuilt=*/true);
}

TEST_F(StaticFileHandlerTest, RefusesOtherMethods) {
  ASSERT_TRUE(client_->send("POST /a.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"));
  auto resp = client_->read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 405);
  EXPECT_EQ(resp->header("allow"), "GET, HEAD");
}

TEST_F(StaticFileHandlerTest, APeerThatPipelinesThousandsOfRequestsAndNeverReadsIsHeldToTheBudget) {
  std::string requests;
  for (int i = 0; i < 2000; ++i) requests += "GET /mid.bin HTTP/1.1\r\nHost: h\r\n\r\n";
  expectHeldToTheBudget(requests, kMidSize);
}

TEST_F(StaticFileHandlerTest, APeerThatPipelinesPrebuiltResponsesAndNeverReadsIsHeldToTheBudget) {
  std::string requests;
  for (int i = 0; i < 2000; ++i) requests += "GET /mid.bin HTTP/1.1\r\nHost: h\r\n\r\n";
  expectHeldToTheBudget(requests, kMidSize, /*prebuilt=*/true);
}

TEST_F(StaticFileHandlerTest, APeerThatNeverReadsLargeResponsesIsHeldToTheBudget) {
  std::string requests;
  for (int i = 0; i < 100; ++i) requests += "GET /big.bin HTTP/1.1\r\nHost: h\r\n\r\n";
  expectHeldToTheBudget(requests, kBigSize);
}

TEST_F(StaticFileHandlerTest, NeverServesTheOutsideFileThroughASymlinkSwappedInDuringRequests) {
  // "flip" alternates between a regular file inside the root and a symlink
  // to a file outside it, of the same size (so only the content tells), by
  // exchanging places with "flip.other".
  const std::string flip = root_ + "/flip";
  writeFile(flip, "INSIDE");
  std::atomic<bool> stop{false};
  const std::string other = root_ + "/flip.other";
  ASSERT_EQ(::symlink("../outside/secret.txt", other.c_str()), 0);
  std::thread flipper([&] {
    // One atomic exchange per flip, as fast as the machine goes.
    for (int i = 0; i < 10'000'000 && !stop.load(); ++i) {
      if (::renameat2(AT_FDCWD, flip.c_str(), AT_FDCWD, other.c_str(), RENAME_EXCHANGE) != 0) {
        break;
      }
    }
  });
  int leaked = 0;
  // No ASSERT until the flipper is joined: returning early would destroy
  // a joinable thread.
  for (int round = 0; round < 1000 && leaked == 0; ++round) {
    HttpTestClient client(server_->address());
    if (!client.connected()) break;
    // Some alone, and some pipelined: those queue behind the first and are
    // opened again when their turn comes.
    std::string requests;
    const int n = round % 2 == 0 ? 1 : 10;
    for (int i = 0; i < n; ++i) requests += "GET /flip HTTP/1.1\r\nHost: h\r\n\r\n";
    if (!client.send(requests)) break;
    for (int i = 0; i < n; ++i) {
      // The server closes the connection rather than send another file.
      auto resp = client.read();
      if (!resp) break;
      if (resp->body.find("SECRET") != std::string::npos) ++leaked;
    }
  }
  stop = true;
  flipper.join();
  EXPECT_EQ(leaked, 0);
  // Which state a request meets is up to the scheduler; once the path is a
  // file again it is served as before.
  struct stat st;
  ASSERT_EQ(::lstat(flip.c_str(), &st), 0);
  if (S_ISLNK(st.st_mode)) {
    ASSERT_EQ(::renameat2(AT_FDCWD, flip.c_str(), AT_FDCWD, other.c_str(), RENAME_EXCHANGE), 0);
  }
  auto resp = client_->get("/flip");
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "INSIDE");
}

TEST_F(StaticFileHandlerTest, RefusesEveryEscapeWithTheCacheWarm) {
  // Warm: the files, the directories and the inside link are cached now.
  for (const char* target : {"/a.txt", "/sub/", "/", "/inside_link", "/big.bin", "/link"}) {
    ASSERT_TRUE(client_->get(target)) << target;
  }
  for (const char* target : {"/../a.txt", "/sub/../../outside/secret.txt", "/link",
                             "/dirlink/secret.txt", "/%2e%2e/outside/secret.txt"}) {
    auto resp = client_->get(target);
    ASSERT_TRUE(resp) << target;
    EXPECT_TRUE(resp->status == 403 || resp->status == 404) << target << " -> " << resp->status;
    EXPECT_EQ(resp->body.find("SECRET"), std::string::npos) << target;
  }
}

TEST_F(StaticFileHandlerTest, SeesAFileReplacedByAnEscapingSymlinkOnceTheValidityHasPassed) {
  std::atomic<int64_t> nowMs{0};
  StaticFileHandler::Options options;
  options.cache.validity = std::chrono::milliseconds(1000);
  options.cache.clock = [&nowMs] {
    return OpenFileCache::Clock::time_point(std::chrono::milliseconds(nowMs.load()));
  };
  for (size_t inMemory : {size_t{1024}, size_t{0}}) {
    options.cache.maxFileBytesInMemory = inMemory;
    auto handler = StaticFileHandler::create(root_, options);
    ASSERT_TRUE(handler.ok());
    HttpServerThread server(*handler);
    HttpTestClient client(server.address());
    const std::string path = root_ + "/swapped";
    writeFile(path, "INSIDE");
    auto before = client.get("/swapped");
    ASSERT_TRUE(before);
    EXPECT_EQ(before->body, "INSIDE");
    writeFile(path + ".new", "REPLACED");
    ASSERT_EQ(::rename((path + ".new").c_str(), path.c_str()), 0);
    // Within the validity: the file that was checked.
    auto cached = client.get("/swapped");
    ASSERT_TRUE(cached);
    EXPECT_EQ(cached->body, "INSIDE");
    nowMs += 1000;
    auto replaced = client.get("/swapped");
    ASSERT_TRUE(replaced);
    EXPECT_EQ(replaced->body, "REPLACED");
    // Now a symlink out of the root: checked again through openBeneath.
    ASSERT_EQ(::symlink("../outside/secret.txt", (path + ".link").c_str()), 0);
    ASSERT_EQ(::rename((path + ".link").c_str(), path.c_str()), 0);
    nowMs += 1000;
    auto escaped = client.get("/swapped");
    ASSERT_TRUE(escaped);
    EXPECT_EQ(escaped->status, 403);
    EXPECT_EQ(escaped->body.find("SECRET"), std::string::npos);
    ASSERT_EQ(::unlink(path.c_str()), 0);
    nowMs += 1000;
    auto gone = client.get("/swapped");
    ASSERT_TRUE(gone);
    EXPECT_EQ(gone->status, 404);
  }
}

TEST_F(StaticFileHandlerTest, SeveralLoopsShareOneCache) {
  StaticFileHandler::Options options;
  options.cache.validity = std::chrono::hours(1);  // however slow the run (TSan)
  auto handler = StaticFileHandler::create(root_, options);
  ASSERT_TRUE(handler.ok());
  HttpServerThread server(*handler, [](HttpServer& s) { s.setThreadNum(3); });
  std::vector<std::thread> clients;
  std::atomic<int> wrong{0};
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      HttpTestClient client(server.address());
      for (int i = 0; i < 50; ++i) {
        auto small = client.get("/a.txt");
        auto mid = client.get("/mid.bin");
        if (!small || small->body != "0123456789abcdefghij") ++wrong;
        if (!mid || mid->body.size() != kMidSize || !test::matchesPattern(0, mid->body)) ++wrong;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(wrong.load(), 0);
  const OpenFileCache::Stats stats = handler->cacheStats();
  EXPECT_EQ(stats.entries, 2u);
  // 400 requests; only the first lookups of each file, racing, miss.
  EXPECT_GE(stats.hits, 380u);
}

TEST_F(StaticFileHandlerTest, RedirectsADirectoryOnlyToAPathOnThisServer) {
  for (const char* target : {"//evil.com", "///evil.com", "/%2fevil.com", "//evil.com?x=1"}) {
    auto resp = client_->get(target);
    ASSERT_TRUE(resp) << target;
    EXPECT_EQ(resp->status, 301) << target;
    const std::string location = resp->header("location");
    EXPECT_EQ(location.rfind("/evil.com/", 0), 0u) << target << " -> " << location;
    EXPECT_NE(location.substr(0, 2), "//") << target;
  }
}

TEST_F(StaticFileHandlerTest, HidesDotfilesUnlessTheyAreEnabled) {
  for (const char* target : {"/.env", "/.git/config", "/.git/", "/sub/.hidden", "/%2egit/config"}) {
    auto resp = client_->get(target);
    ASSERT_TRUE(resp) << target;
    EXPECT_EQ(resp->status, 404) << target;
  }
  StaticFileHandler::Options options;
  options.serveDotfiles = true;
  auto handler = StaticFileHandler::create(root_, options);
  ASSERT_TRUE(handler.ok());
  HttpServerThread server(*handler);
  HttpTestClient client(server.address());
  auto env = client.get("/.env");
  ASSERT_TRUE(env);
  EXPECT_EQ(env->body, "PASSWORD=x");
  auto hidden = client.get("/sub/.hidden");
  ASSERT_TRUE(hidden);
  EXPECT_EQ(hidden->body, "hidden");
  // Enabling dotfiles does not enable "..".
  auto up = client.get("/../outside/secret.txt");
  ASSERT_TRUE(up);
  EXPECT_EQ(up->status, 403);
}

TEST(StaticFileHandlerHelpers, DecodeTypesAndDates) {
  EXPECT_EQ(StaticFileHandler::percentDecode("/a%20b%2F"), "/a b/");
  EXPECT_FALSE(StaticFileHandler::percentDecode("/a%2"));
  EXPECT_FALSE(StaticFileHandler::percentDecode("/a%"));
  EXPECT_FALSE(StaticFileHandler::percentDecode("/a%00"));
  EXPECT_EQ(StaticFileHandler::contentType("x.PNG"), "image/png");
  EXPECT_EQ(StaticFileHandler::contentType("a/b.HtMl"), "text/html; charset=utf-8");
  EXPECT_EQ(StaticFileHandler::contentType("x.woff2"), "font/woff2");
  EXPECT_EQ(StaticFileHandler::contentType("x.tar.gz"), "application/gzip");
  EXPECT_EQ(StaticFileHandler::contentType("dir.d/noext"), "application/octet-stream");
  EXPECT_EQ(StaticFileHandler::contentType("x."), "application/octet-stream");
  EXPECT_EQ(StaticFileHandler::contentType("x.woff22"), "application/octet-stream");
  EXPECT_EQ(StaticFileHandler::contentType("x.htmlx"), "application/octet-stream");
  EXPECT_EQ(StaticFileHandler::contentType(".png"), "image/png");
  EXPECT_EQ(StaticFileHandler::formatHttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(StaticFileHandler::parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_FALSE(StaticFileHandler::parseHttpDate("Sun, 06 Nov 1994 08:49:37"));
  EXPECT_FALSE(StaticFileHandler::create("/definitely/not/here").ok());
}

}  // namespace
}  // namespace muduo::net
