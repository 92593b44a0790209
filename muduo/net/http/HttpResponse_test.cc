#include "muduo/net/http/HttpResponse.h"

#include <fcntl.h>

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

TEST(HttpResponse, FileBodyGivesLengthAndOwnsTheFd) {
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  HttpResponse resp;
  resp.setFileBody(fd, 10, 1234);
  HttpResponse moved(std::move(resp));
  EXPECT_FALSE(resp.hasFileBody());  // NOLINT(bugprone-use-after-move)
  ASSERT_TRUE(moved.hasFileBody());
  Buffer buf;
  moved.appendToBuffer(&buf);
  EXPECT_NE(std::string(buf.view()).find("Content-Length: 1234\r\n"), std::string::npos);
  EXPECT_EQ(moved.releaseFile(), fd);
  ::close(fd);
}

}  // namespace
}  // namespace muduo::net
