#include "muduo/base/Logging.h"

#include <cerrno>
#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/base/Mutex.h"
#include "muduo/base/Thread.h"

namespace muduo {
namespace {

Mutex g_mutex;
std::vector<std::string> g_lines ABSL_GUARDED_BY(g_mutex);

void captureOutput(const char* line, size_t len) {
  MutexLock lock(&g_mutex);
  g_lines.emplace_back(line, len);
}

std::vector<std::string> takeLines() {
  MutexLock lock(&g_mutex);
  return std::exchange(g_lines, {});
}

// Captures output and restores the level and output after each test, so
// tests can run in any order.
class LoggingTest : public testing::Test {
 protected:
  void SetUp() override {
    savedLevel_ = Logger::logLevel();
    takeLines();
    Logger::setOutput(&captureOutput);
  }
  void TearDown() override {
    Logger::setOutput(nullptr);
    Logger::setLogLevel(savedLevel_);
  }

 private:
  LogLevel savedLevel_ = LogLevel::kInfo;
};

TEST_F(LoggingTest, InitialLevelComesFromTheEnvironmentOrIsInfo) {
  const char* env = ::getenv("MUDUO_LOG_LEVEL");
  const LogLevel expected = env != nullptr ? parseLogLevel(env).value() : LogLevel::kInfo;
  EXPECT_EQ(Logger::logLevel(), expected);
}

TEST_F(LoggingTest, LineHasTimestampTidLevelMessageAndSourceLine) {
  Logger::setLogLevel(LogLevel::kInfo);
  const int line = __LINE__ + 1;
  LOG_INFO << "hello " << 42;
  const auto lines = takeLines();
  ASSERT_EQ(lines.size(), 1u);
  const std::regex format(R"(\d{8} \d{2}:\d{2}:\d{2}\.\d{6} +\d+ INFO  hello 42 - )"
                          R"(Logging_test\.cc:(\d+)\n)");
  std::smatch match;
  ASSERT_TRUE(std::regex_match(lines[0], match, format)) << lines[0];
  EXPECT_EQ(std::stoi(match[1]), line);
}

TEST_F(LoggingTest, EachLevelHasItsOwnName) {
  Logger::setLogLevel(LogLevel::kTrace);
  LOG_TRACE << "t";
  LOG_DEBUG << "d";
  LOG_WARN << "w";
  LOG_ERROR << "e";
  const auto lines = takeLines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[0].find(" TRACE t - "), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(" DEBUG d - "), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find(" WARN  w - "), std::string::npos) << lines[2];
  EXPECT_NE(lines[3].find(" ERROR e - "), std::string::npos) << lines[3];
}

TEST_F(LoggingTest, DisabledLevelDoesNotEvaluateItsOperands) {
  Logger::setLogLevel(LogLevel::kWarn);
  int evaluated = 0;
  auto sideEffect = [&evaluated] { return ++evaluated; };
  LOG_INFO << sideEffect();
  LOG_DEBUG << sideEffect();
  EXPECT_EQ(evaluated, 0);
  EXPECT_TRUE(takeLines().empty());
  LOG_WARN << sideEffect();
  EXPECT_EQ(evaluated, 1);
  EXPECT_EQ(takeLines().size(), 1u);
}

TEST_F(LoggingTest, LogStatementBindsCorrectlyInsideIfElse) {
  Logger::setLogLevel(LogLevel::kInfo);
  bool elseTaken = false;
  if (false)
    LOG_INFO << "never";
  else
    elseTaken = true;
  EXPECT_TRUE(elseTaken);
  EXPECT_TRUE(takeLines().empty());
}

TEST_F(LoggingTest, SysErrAppendsTheErrnoText) {
  errno = ENOENT;
  LOG_SYSERR << "open config";
  const auto lines = takeLines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(" ERROR open config: No such file or directory (errno=2) - "),
            std::string::npos)
      << lines[0];
}

TEST_F(LoggingTest, OverlongLineIsTruncatedButStillEndsWithANewline) {
  LOG_ERROR << std::string(2 * kSmallBuffer, 'x');
  const auto lines = takeLines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].size(), kSmallBuffer);
  EXPECT_EQ(lines[0].back(), '\n');
}

TEST_F(LoggingTest, ConcurrentThreadsEachEmitWholeLines) {
  constexpr int kThreads = 4;
  constexpr int kLines = 2000;
  std::vector<std::unique_ptr<Thread>> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.push_back(std::make_unique<Thread>([t] {
      for (int i = 0; i < kLines; ++i) LOG_WARN << "thread " << t << " line " << i;
    }));
    threads.back()->start();
  }
  for (auto& thread : threads) thread->join();
  const auto lines = takeLines();
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kLines));
  for (const std::string& line : lines) {
    ASSERT_EQ(line.back(), '\n');
    ASSERT_NE(line.find(" WARN  thread "), std::string::npos) << line;
  }
}

TEST(LoggingDeathTest, FatalWritesTheLineThenAborts) {
  testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH({ LOG_FATAL << "unrecoverable " << 7; }, "FATAL unrecoverable 7 - Logging_test");
}

TEST(ParseLogLevelTest, AcceptsEveryNameInAnyCaseAndRejectsOthers) {
  EXPECT_EQ(parseLogLevel("TRACE"), LogLevel::kTrace);
  EXPECT_EQ(parseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(parseLogLevel("Info"), LogLevel::kInfo);
  EXPECT_EQ(parseLogLevel("WARN"), LogLevel::kWarn);
  EXPECT_EQ(parseLogLevel("error"), LogLevel::kError);
  EXPECT_EQ(parseLogLevel("FATAL"), LogLevel::kFatal);
  EXPECT_EQ(parseLogLevel("INFOX"), std::nullopt);
  EXPECT_EQ(parseLogLevel(""), std::nullopt);
}

TEST(SourceFileTest, KeepsOnlyTheBasename) {
  constexpr Logger::SourceFile nested("a/b/c.cc");
  constexpr Logger::SourceFile flat("c.cc");
  static_assert(nested.view() == "c.cc");
  static_assert(flat.view() == "c.cc");
}

}  // namespace
}  // namespace muduo
