#include "muduo/net/http/HttpResponse.h"

#include <fcntl.h>

#include <functional>
#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/net/Buffer.h"

namespace muduo::net {
namespace {

TEST(HttpResponse, WritesStatusHeadersLengthAndBody) {
  HttpResponse resp;
  resp.setStatusCode(404);
  resp.setContentType("text/plain");
  resp.setBody("nope");
  Buffer buf;
  resp.appendToBuffer(&buf);
  const std::string s(buf.view());
  EXPECT_EQ(s.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u) << s;
  EXPECT_NE(s.find("\r\nContent-Type: text/plain\r\n"), std::string::npos);
  EXPECT_NE(s.find("\r\nContent-Length: 4\r\n"), std::string::npos);
  EXPECT_NE(s.find("\r\nConnection: keep-alive\r\n"), std::string::npos);
  EXPECT_NE(s.find("\r\nDate: "), std::string::npos);
  EXPECT_EQ(s.substr(s.size() - 8), "\r\n\r\nnope");
}

TEST(HttpResponse, AChunkedResponseSaysSoAndSendsItsBodyAsTheFirstChunk) {
  HttpResponse resp;
  resp.setChunked(true);
  resp.setBody("hello");
  Buffer buf;
  resp.appendToBuffer(&buf);
  HttpResponse::appendChunk(std::string(26, 'x'), &buf);
  HttpResponse::appendChunk("", &buf);
  const std::string s(buf.view());
  EXPECT_NE(s.find("\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1a\r\n"), std::string::npos)
      << s;
  EXPECT_EQ(s.find("Content-Length"), std::string::npos) << s;
  EXPECT_EQ(s.substr(s.size() - 7), "\r\n0\r\n\r\n");
}

TEST(HttpResponse, AContinuationIsItsBodyAlone) {
  HttpResponse resp(true);
  resp.setContinuation(true);
  resp.setBody("0\r\n\r\n");
  Buffer buf;
  resp.appendToBuffer(&buf);
  EXPECT_EQ(buf.view(), "0\r\n\r\n");
}

TEST(HttpResponse, HeadResponseKeepsTheLengthButNotTheBody) {
  HttpResponse resp(true);
  resp.setBody("hello");
  resp.setHeadResponse(true);
  Buffer buf;
  resp.appendToBuffer(&buf);
  const std::string s(buf.view());
  EXPECT_NE(s.find("\r\nContent-Length: 5\r\n"), std::string::npos);
  EXPECT_NE(s.find("\r\nConnection: close\r\n"), std::string::npos);
  EXPECT_EQ(s.substr(s.size() - 4), "\r\n\r\n");
}

TEST(HttpResponse, NotModifiedHasNeitherLengthNorBody) {
  HttpResponse resp;
  resp.setStatusCode(304);
  resp.setBody("ignored");
  Buffer buf;
  resp.appendToBuffer(&buf);
  const std::string s(buf.view());
  EXPECT_EQ(s.find("Content-Length"), std::string::npos);
  EXPECT_EQ(s.substr(s.size() - 4), "\r\n\r\n");
}

TEST(HttpResponse, FileBodyGivesLengthAndOwnsTheFileAndItsOpener) {
  UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  const int number = fd.get();
  int reopened = 0;
  HttpResponse resp;
  resp.setFileBody(std::move(fd), 10, 1234, [&reopened] {
    ++reopened;
    return UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  });
  HttpResponse moved(std::move(resp));
  EXPECT_FALSE(resp.hasFileBody());  // NOLINT(bugprone-use-after-move)
  ASSERT_TRUE(moved.hasFileBody());
  Buffer buf;
  moved.appendToBuffer(&buf);
  EXPECT_NE(std::string(buf.view()).find("Content-Length: 1234\r\n"), std::string::npos);
  std::shared_ptr<const UniqueFd> file = moved.releaseFile();
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->get(), number);
  EXPECT_FALSE(moved.hasFileBody());
  HttpResponse::FileOpener opener = moved.releaseFileOpener();
  ASSERT_TRUE(opener != nullptr);
  EXPECT_TRUE(opener().valid());
  EXPECT_EQ(reopened, 1);
}

TEST(HttpResponse, RefusesHeaderFieldsThatWouldSplitTheResponse) {
  HttpResponse resp;
  EXPECT_FALSE(resp.addHeader("Location", "/a\r\nSet-Cookie: x=1"));
  EXPECT_FALSE(resp.addHeader("Location", "/a\nX: y"));
  EXPECT_FALSE(resp.addHeader("Location", "/a\rX: y"));
  EXPECT_FALSE(resp.addHeader("Location", std::string_view("/a\0b", 4)));
  EXPECT_FALSE(resp.addHeader("Bad Name", "v"));
  EXPECT_FALSE(resp.addHeader("X-Split\r\nY", "v"));
  EXPECT_FALSE(resp.addHeader("", "v"));
  // Wherever the bad byte sits: in any lane of a word, or in the tail.
  for (size_t length : {size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{16}, size_t{23}}) {
    for (size_t at = 0; at < length; ++at) {
      for (const char bad : {'\r', '\n', '\0'}) {
        std::string value(length, 'v');
        value[at] = bad;
        EXPECT_FALSE(resp.addHeader("X-Bad", value)) << length << " " << at << " " << int{bad};
      }
      std::string tabbed(length, '\xe9');  // bytes >= 0x80 and tabs are fine
      tabbed[at] = '\t';
      EXPECT_TRUE(HttpResponse().addHeader("X-Fine", tabbed)) << length << " " << at;
    }
  }
  EXPECT_TRUE(resp.headerLines().empty());
  EXPECT_TRUE(resp.addHeader("X-Fine", "a\tb c"));
  EXPECT_EQ(resp.headerLines(), "X-Fine: a\tb c\r\n");
  Buffer buf;
  resp.appendToBuffer(&buf);
  const std::string s(buf.view());
  EXPECT_EQ(s.find("Set-Cookie"), std::string::npos);
  EXPECT_NE(s.find("\r\nX-Fine: a\tb c\r\n"), std::string::npos);
}

// Header lines live inside the response until they outgrow it: every line
// must survive the move out of the inline storage, in order, and a moved
// response must carry them either way.
TEST(HttpResponse, HeadersBeyondTheInlineStorageKeepTheirOrderAndSurviveAMove) {
  for (const size_t count : {size_t{1}, size_t{5}, size_t{6}, size_t{40}}) {
    HttpResponse resp;
    std::string expected;
    for (size_t i = 0; i < count; ++i) {
      const std::string name = "X-Header-" + std::to_string(i);
      const std::string value(i % 7 * 5, static_cast<char>('a' + i % 26));
      ASSERT_TRUE(resp.addHeader(name, value));
      expected += name + ": " + value + "\r\n";
      ASSERT_EQ(resp.headerLines(), expected) << "after " << i + 1 << " headers";
    }
    const HttpResponse moved(std::move(resp));
    EXPECT_EQ(moved.headerLines(), expected);
    Buffer buf;
    moved.appendToBuffer(&buf);
    EXPECT_NE(std::string(buf.view()).find("\r\n" + expected), std::string::npos) << count;
  }
  // A line that alone is larger than the inline storage.
  HttpResponse resp;
  const std::string big(HttpResponse::kInlineHeaderBytes * 2, 'v');
  ASSERT_TRUE(resp.addHeader("X-Small", "s"));
  ASSERT_TRUE(resp.addHeader("X-Big", big));
  EXPECT_EQ(resp.headerLines(), "X-Small: s\r\nX-Big: " + big + "\r\n");
}

// A prebuilt copy stands for the response only while nothing changes it:
// whatever a later callback adds or changes must go on the wire.
TEST(HttpResponse, APrebuiltCopyIsDroppedByAnyLaterChangeToTheResponse) {
  const auto copy = [] {
    return std::make_shared<const UniqueFd>(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  };
  HttpResponse resp;
  resp.setWholeResponseFile(copy(), 100);
  ASSERT_TRUE(resp.hasWholeResponseFile());
  EXPECT_EQ(resp.wholeResponseLength(), 100u);
  // Setting what it already is changes nothing.
  resp.setStatusCode(200);
  resp.setCloseConnection(false);
  resp.setHeadResponse(false);
  resp.setChunked(false);
  resp.setContinuation(false);
  EXPECT_TRUE(resp.hasWholeResponseFile());
  EXPECT_FALSE(resp.addHeader("Bad Name", "v"));  // refused: nothing added
  EXPECT_TRUE(resp.hasWholeResponseFile());

  const std::vector<std::function<void(HttpResponse*)>> changes = {
      [](HttpResponse* r) { r->addHeader("Cache-Control", "no-store"); },
      [](HttpResponse* r) { r->setStatusCode(404); },
      [](HttpResponse* r) { r->setCloseConnection(true); },
      [](HttpResponse* r) { r->setHeadResponse(true); },
      [](HttpResponse* r) { r->setChunked(true); },
      [](HttpResponse* r) { r->setBody("other"); },
      [](HttpResponse* r) { r->setFileBody(UniqueFd(::open("/dev/null", O_RDONLY)), 0, 0); },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    HttpResponse changed;
    changed.setWholeResponseFile(copy(), 100);
    changes[i](&changed);
    EXPECT_FALSE(changed.hasWholeResponseFile()) << "change " << i;
  }
  // Released for sending, exactly once.
  EXPECT_NE(resp.releaseWholeResponseFile(), nullptr);
  EXPECT_FALSE(resp.hasWholeResponseFile());
}

}  // namespace
}  // namespace muduo::net
