#include "muduo/net/http/StaticFileHandler.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "muduo/net/TestUtil.h"
#include "muduo/net/http/HttpTestUtil.h"

namespace muduo::net {
namespace {

using test::HttpServerThread;
using test::HttpTestClient;

constexpr size_t kBigSize = 8 * 1024 * 1024;  // larger than loopback's socket buffers

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  ASSERT_TRUE(out.good()) << path;
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
    writeFile(base_ + "/outside/secret.txt", "SECRET");
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

  static std::string base_;
  static std::string root_;
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

TEST_F(StaticFileHandlerTest, RefusesOtherMethods) {
  ASSERT_TRUE(client_->send("POST /a.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"));
  auto resp = client_->read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 405);
  EXPECT_EQ(resp->header("allow"), "GET, HEAD");
}

TEST(StaticFileHandlerHelpers, DecodeTypesAndDates) {
  EXPECT_EQ(StaticFileHandler::percentDecode("/a%20b%2F"), "/a b/");
  EXPECT_FALSE(StaticFileHandler::percentDecode("/a%2"));
  EXPECT_FALSE(StaticFileHandler::percentDecode("/a%"));
  EXPECT_FALSE(StaticFileHandler::percentDecode("/a%00"));
  EXPECT_EQ(StaticFileHandler::contentType("x.PNG"), "image/png");
  EXPECT_EQ(StaticFileHandler::contentType("dir.d/noext"), "application/octet-stream");
  EXPECT_EQ(StaticFileHandler::formatHttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(StaticFileHandler::parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_FALSE(StaticFileHandler::parseHttpDate("Sun, 06 Nov 1994 08:49:37"));
  EXPECT_FALSE(StaticFileHandler::create("/definitely/not/here").ok());
}

}  // namespace
}  // namespace muduo::net
