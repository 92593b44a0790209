#include "muduo/base/FileUtil.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace muduo {
namespace {

std::string tmpPath(const std::string& name) {
  const char* dir = ::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

std::string readAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(AppendFileTest, AppendsAndCountsBytesAcrossReopens) {
  const std::string path = tmpPath("append.txt");
  {
    AppendFile file(path);
    ASSERT_TRUE(file.ok());
    file.append("hello ", 6);
    file.append("world\n", 6);
    EXPECT_EQ(file.writtenBytes(), 12u);
  }
  {
    AppendFile file(path);
    file.append("again\n", 6);
  }
  EXPECT_EQ(readAll(path), "hello world\nagain\n");
}

TEST(AppendFileTest, FlushMakesDataVisibleWhileOpen) {
  const std::string path = tmpPath("flush.txt");
  AppendFile file(path);
  file.append("x", 1);
  file.flush();
  EXPECT_EQ(readAll(path), "x");
}

TEST(AppendFileTest, UnopenableFileIsReportedAndIgnoredNotFatal) {
  AppendFile file(tmpPath("no/such/dir/file.txt"));
  EXPECT_FALSE(file.ok());
  file.append("lost", 4);
  file.flush();
  EXPECT_EQ(file.writtenBytes(), 0u);
}

}  // namespace
}  // namespace muduo
