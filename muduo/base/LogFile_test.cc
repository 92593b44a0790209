#include "muduo/base/LogFile.h"

#include <dirent.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace muduo {
namespace {

std::string tmpDir(const std::string& name) {
  const char* dir = ::getenv("TEST_TMPDIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  std::string command = "mkdir -p '" + path + "'";
  EXPECT_EQ(std::system(command.c_str()), 0);
  return path;
}

std::vector<std::string> listDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return names;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') names.push_back(dir + "/" + e->d_name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::string readAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A clock the test moves by hand.
struct FakeClock {
  Timestamp now;
  LogFile::Clock clock() {
    return [this] { return now; };
  }
};

Timestamp localTime(int year, int month, int day, int hour, int minute, int second) {
  struct tm tm = {};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  tm.tm_isdst = -1;
  return Timestamp::fromUnixTime(mktime(&tm));
}

TEST(LogFileTest, NameHasLocalStartTimeHostAndPid) {
  const std::string name = LogFile::fileNameFor("dir/app", localTime(2026, 11, 23, 9, 5, 7));
  const std::regex format(R"(dir/app\.20261123-090507\.[^.].*\.(\d+)\.log)");
  std::smatch match;
  ASSERT_TRUE(std::regex_match(name, match, format)) << name;
  EXPECT_EQ(std::stoi(match[1]), ::getpid());
}

TEST(LogFileTest, RollsWhenTheFileExceedsRollSize) {
  const std::string dir = tmpDir("roll_size");
  FakeClock fake{localTime(2026, 11, 23, 10, 0, 0)};
  LogFile::Options options;
  options.rollSize = 1000;
  LogFile file(dir + "/app", options, fake.clock());

  const std::string line(100, 'x');
  for (int i = 0; i < 35; ++i) {
    fake.now += std::chrono::seconds(1);  // distinct names for each roll
    file.append(line.data(), line.size());
  }
  // 1000-byte limit: a roll after every 11th line of 100 bytes.
  EXPECT_EQ(file.rollCount(), 1 + 3);
  file.flush();
  const auto files = listDir(dir);
  ASSERT_EQ(files.size(), 4u);
  size_t total = 0;
  for (const auto& f : files) {
    const size_t size = readAll(f).size();
    EXPECT_LE(size, 1100u) << f;
    total += size;
  }
  EXPECT_EQ(total, 35u * 100);
}

TEST(LogFileTest, DoesNotRollTwiceInOneSecondBecauseTheNameWouldRepeat) {
  const std::string dir = tmpDir("same_second");
  FakeClock fake{localTime(2026, 11, 23, 10, 0, 0)};
  LogFile::Options options;
  options.rollSize = 10;
  LogFile file(dir + "/app", options, fake.clock());
  for (int i = 0; i < 5; ++i) file.append("0123456789abc", 13);
  EXPECT_EQ(file.rollCount(), 1);
  EXPECT_FALSE(file.rollFile());
  fake.now += std::chrono::seconds(1);
  EXPECT_TRUE(file.rollFile());
  EXPECT_EQ(listDir(dir).size(), 2u);
}

TEST(LogFileTest, RollsAtLocalMidnight) {
  const std::string dir = tmpDir("midnight");
  FakeClock fake{localTime(2026, 11, 23, 23, 59, 58)};
  LogFile::Options options;
  options.checkEveryN = 1;  // read the clock on every append
  LogFile file(dir + "/app", options, fake.clock());
  const std::string first = file.currentFileName();
  file.append("before\n", 7);
  fake.now += std::chrono::seconds(1);  // 23:59:59
  file.append("still\n", 6);
  EXPECT_EQ(file.currentFileName(), first);
  fake.now += std::chrono::seconds(2);  // 00:00:01 next day
  file.append("after\n", 6);
  EXPECT_EQ(file.rollCount(), 2);
  EXPECT_NE(file.currentFileName().find(".20261124-000001."), std::string::npos)
      << file.currentFileName();
  file.flush();
  EXPECT_EQ(readAll(first), "before\nstill\n");
  EXPECT_EQ(readAll(file.currentFileName()), "after\n");
}

TEST(LogFileTest, FlushesPeriodicallyWithoutAnExplicitFlush) {
  const std::string dir = tmpDir("periodic");
  FakeClock fake{localTime(2026, 11, 23, 12, 0, 0)};
  LogFile::Options options;
  options.checkEveryN = 1;
  options.flushInterval = std::chrono::seconds(3);
  LogFile file(dir + "/app", options, fake.clock());
  file.append("a\n", 2);
  EXPECT_EQ(readAll(file.currentFileName()), "");  // still in the stdio buffer
  fake.now += std::chrono::seconds(4);
  file.append("b\n", 2);
  EXPECT_EQ(readAll(file.currentFileName()), "a\nb\n");
}

}  // namespace
}  // namespace muduo
