#include "muduo/base/AsyncLogging.h"

#include <dirent.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "muduo/base/Logging.h"
#include "muduo/base/Thread.h"

namespace muduo {
namespace {

std::string tmpDir(const std::string& name) {
  const char* dir = ::getenv("TEST_TMPDIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  EXPECT_EQ(std::system(("mkdir -p '" + path + "'").c_str()), 0);
  return path;
}

// Every line of every file in `dir`, files in name (= time) order.
std::vector<std::string> readLines(const std::string& dir) {
  std::vector<std::string> files;
  DIR* d = ::opendir(dir.c_str());
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') files.push_back(dir + "/" + e->d_name);
  }
  ::closedir(d);
  std::sort(files.begin(), files.end());
  std::vector<std::string> lines;
  for (const auto& file : files) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  return lines;
}

TEST(AsyncLoggingTest, StopWritesEveryLineFromEveryThreadExactlyOnceInOrder) {
  const std::string dir = tmpDir("all_lines");
  constexpr int kThreads = 4;
  constexpr int kLinesPerThread = 100000;
  AsyncLogging::Options options;
  options.maxBacklogBuffers = 1000;  // this test is about loss on stop, not shedding
  AsyncLogging log(dir + "/app", options);
  log.start();

  std::vector<std::unique_ptr<Thread>> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.push_back(std::make_unique<Thread>([&log, t] {
      for (int i = 0; i < kLinesPerThread; ++i) {
        const std::string line = absl::StrCat("writer ", t, " line ", i, "\n");
        log.append(line.data(), line.size());
      }
    }));
    writers.back()->start();
  }
  for (auto& writer : writers) writer->join();
  log.stop();  // immediately after the last append: the tail must not be lost

  const auto lines = readLines(dir);
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kLinesPerThread));
  std::vector<int> next(kThreads, 0);
  for (const std::string& line : lines) {
    int t = -1;
    int i = -1;
    ASSERT_EQ(sscanf(line.c_str(), "writer %d line %d", &t, &i), 2) << line;
    ASSERT_TRUE(t >= 0 && t < kThreads) << line;
    ASSERT_EQ(i, next[t]) << "out of order or duplicated: " << line;
    ++next[t];
  }
  EXPECT_EQ(log.droppedLines(), 0);
}

// A disk far slower than the front ends: every write of a buffer takes
// `delay`. It checks what arrives, line by line; read it after stop().
class SlowSink {
 public:
  SlowSink(int writers, std::chrono::milliseconds delay) : next_(writers, 0), delay_(delay) {}

  std::function<void(const char*, size_t)> asSink() {
    return [this](const char* data, size_t len) { write(std::string_view(data, len)); };
  }

  int64_t linesWritten() const { return written_; }
  int64_t droppedReported() const { return droppedReported_; }
  const std::vector<std::string>& reports() const { return reports_; }
  int64_t outOfOrder() const { return outOfOrder_; }

 private:
  void write(std::string_view data) {
    std::this_thread::sleep_for(delay_);
    partial_.append(data.data(), data.size());
    size_t start = 0;
    for (size_t end; (end = partial_.find('\n', start)) != std::string::npos; start = end + 1) {
      line(std::string_view(partial_).substr(start, end - start));
    }
    partial_.erase(0, start);
  }

  void line(std::string_view text) {
    int t = -1;
    int i = -1;
    const std::string copy(text);
    if (sscanf(copy.c_str(), "writer %d line %d", &t, &i) == 2) {
      if (t < 0 || t >= static_cast<int>(next_.size()) || i < next_[t]) ++outOfOrder_;
      if (t >= 0 && t < static_cast<int>(next_.size())) next_[t] = i + 1;
      ++written_;
      return;
    }
    const size_t at = copy.find("AsyncLogging dropped ");
    long long n = 0;
    if (at != std::string::npos &&
        sscanf(copy.c_str() + at, "AsyncLogging dropped %lld", &n) == 1) {
      droppedReported_ += n;
      reports_.push_back(copy);
      return;
    }
    ++outOfOrder_;  // a line nobody logged
  }

  std::string partial_;
  std::vector<int> next_;
  const std::chrono::milliseconds delay_;
  int64_t written_ = 0;
  int64_t droppedReported_ = 0;
  int64_t outOfOrder_ = 0;
  std::vector<std::string> reports_;
};

// kSlowWriters writers log kSlowLinesPerWriter lines of ~1000 bytes each as
// fast as they can: about 20 MB, five buffers, against a back end that takes
// 20 ms per buffer and a backlog bound of two buffers.
constexpr int kSlowWriters = 4;
constexpr int kSlowLinesPerWriter = 5000;

void pourLines(AsyncLogging* log) {
  std::vector<std::unique_ptr<Thread>> writers;
  for (int t = 0; t < kSlowWriters; ++t) {
    writers.push_back(std::make_unique<Thread>([log, t] {
      const std::string padding(980, '.');
      for (int i = 0; i < kSlowLinesPerWriter; ++i) {
        const std::string line = absl::StrCat("writer ", t, " line ", i, " ", padding, "\n");
        log->append(line.data(), line.size());
      }
    }));
    writers.back()->start();
  }
  for (auto& writer : writers) writer->join();
}

TEST(AsyncLoggingTest, ASlowDiskLosesNoLineByDefault) {
  SlowSink disk(kSlowWriters, std::chrono::milliseconds(20));
  AsyncLogging::Options options;
  options.maxBacklogBuffers = 2;
  options.sink = disk.asSink();
  AsyncLogging log("unused", options);
  log.start();
  pourLines(&log);
  log.stop();
  EXPECT_EQ(disk.linesWritten(), int64_t{kSlowWriters} * kSlowLinesPerWriter);
  EXPECT_EQ(log.droppedLines(), 0);
  EXPECT_EQ(disk.outOfOrder(), 0);
  EXPECT_TRUE(disk.reports().empty()) << disk.reports().front();
}

TEST(AsyncLoggingTest, UnderTheDropPolicyEveryLineIsWrittenOrCountedAndTheLogSaysHowMany) {
  SlowSink disk(kSlowWriters, std::chrono::milliseconds(20));
  AsyncLogging::Options options;
  options.maxBacklogBuffers = 2;
  options.overflow = AsyncLogging::Overflow::kDrop;
  options.sink = disk.asSink();
  const int64_t processDroppedBefore = Logger::droppedLines();
  AsyncLogging log("unused", options);
  log.start();
  pourLines(&log);
  log.stop();
  const int64_t logged = int64_t{kSlowWriters} * kSlowLinesPerWriter;
  EXPECT_GT(log.droppedLines(), 0) << "the disk kept up; the test shows nothing";
  EXPECT_EQ(disk.linesWritten() + log.droppedLines(), logged);
  EXPECT_EQ(disk.droppedReported(), log.droppedLines());
  EXPECT_EQ(Logger::droppedLines() - processDroppedBefore, log.droppedLines());
  EXPECT_EQ(disk.outOfOrder(), 0);
  ASSERT_FALSE(disk.reports().empty());
  EXPECT_NE(disk.reports().front().find(" log lines between "), std::string::npos)
      << disk.reports().front();
  EXPECT_NE(disk.reports().front().find("(overflow policy drop)"), std::string::npos)
      << disk.reports().front();
}

TEST(AsyncLoggingTest, BlockingBeforeStartWritesTheBacklogInlineInsteadOfWaitingForever) {
  SlowSink disk(1, std::chrono::milliseconds(0));
  AsyncLogging::Options options;
  options.maxBacklogBuffers = 1;
  options.sink = disk.asSink();
  AsyncLogging log("unused", options);
  // Not started: there is no back end, so a front end that waited would hang.
  const std::string padding(980, '.');
  const int kLines = 3 * static_cast<int>(kLargeBuffer / 1000);
  for (int i = 0; i < kLines; ++i) {
    const std::string line = absl::StrCat("writer 0 line ", i, " ", padding, "\n");
    log.append(line.data(), line.size());
  }
  EXPECT_GT(disk.linesWritten(), 0);  // written by append() itself
  log.stop();
  EXPECT_EQ(disk.linesWritten(), kLines);
  EXPECT_EQ(log.droppedLines(), 0);
  EXPECT_EQ(disk.outOfOrder(), 0);
}

TEST(AsyncLoggingTest, StopReleasesAFrontEndWaitingForSpaceAndCountsItsLineAsRefused) {
  std::mutex gateMutex;
  gateMutex.lock();  // the disk hangs until the test opens it
  AsyncLogging::Options options;
  options.maxBacklogBuffers = 1;
  std::atomic<int64_t> written{0};
  options.sink = [&](const char* data, size_t len) {
    std::lock_guard<std::mutex> gate(gateMutex);
    written += std::count(data, data + len, '\n');
  };
  AsyncLogging log("unused", options);
  log.start();
  std::atomic<int64_t> offered{0};
  Thread writer([&] {
    const std::string line = std::string(999, 'x') + "\n";
    // Enough for the backlog to fill while the disk hangs: this thread then waits.
    for (int64_t i = 0; i < 4 * static_cast<int64_t>(kLargeBuffer / line.size()); ++i) {
      log.append(line.data(), line.size());
      ++offered;
    }
  });
  writer.start();
  Thread stopper([&] { log.stop(); });
  // Let the writer reach the bound, then stop while it waits; open the disk after.
  while (offered.load() < static_cast<int64_t>(kLargeBuffer / 1000)) std::this_thread::yield();
  stopper.start();
  gateMutex.unlock();
  stopper.join();
  writer.join();
  EXPECT_EQ(written.load() + log.droppedLines() + log.refusedLines(), offered.load());
  EXPECT_EQ(log.droppedLines(), 0);
}

TEST(AsyncLoggingTest, OverflowPolicyNamesParse) {
  EXPECT_EQ(parseLogOverflow("block"), AsyncLogging::Overflow::kBlock);
  EXPECT_EQ(parseLogOverflow("DROP"), AsyncLogging::Overflow::kDrop);
  EXPECT_EQ(parseLogOverflow("lose"), std::nullopt);
  EXPECT_EQ(logOverflowName(AsyncLogging::Overflow::kDrop), "drop");
  EXPECT_EQ(AsyncLogging::Options().overflow, AsyncLogging::Overflow::kBlock);
}

TEST(AsyncLoggingTest, LinesAppendedBeforeStartAreWrittenAndLaterOnesRefused) {
  const std::string dir = tmpDir("before_start");
  AsyncLogging log(dir + "/app");
  log.append("early\n", 6);
  log.start();
  log.append("running\n", 8);
  log.stop();
  log.append("late\n", 5);
  EXPECT_EQ(log.refusedLines(), 1);
  EXPECT_EQ(readLines(dir), (std::vector<std::string>{"early", "running"}));
}

TEST(AsyncLoggingTest, StopWithoutStartStillWritesWhatWasAccepted) {
  const std::string dir = tmpDir("never_started");
  {
    AsyncLogging log(dir + "/app");
    log.append("kept\n", 5);
  }
  EXPECT_EQ(readLines(dir), std::vector<std::string>{"kept"});
}

TEST(AsyncLoggingTest, BacklogOverTheBoundDropsLinesAndSaysHowMany) {
  const std::string dir = tmpDir("backlog");
  AsyncLogging::Options options;
  options.maxBacklogBuffers = 1;
  options.overflow = AsyncLogging::Overflow::kDrop;
  AsyncLogging log(dir + "/app", options);
  // Not started: nothing drains, so the backlog bound is reached deterministically.
  const std::string line = std::string(99, 'x') + "\n";
  const int64_t kLines = 3 * static_cast<int64_t>(kLargeBuffer / line.size());
  for (int64_t i = 0; i < kLines; ++i) log.append(line.data(), line.size());
  const int64_t dropped = log.droppedLines();
  EXPECT_GT(dropped, 0);
  log.stop();

  const auto lines = readLines(dir);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(static_cast<int64_t>(lines.size()), kLines - dropped + 1);
  EXPECT_NE(lines.back().find(absl::StrCat("AsyncLogging dropped ", dropped, " log lines")),
            std::string::npos)
      << lines.back();
}

TEST(AsyncLoggingTest, ServesAsTheLoggerOutput) {
  const std::string dir = tmpDir("logger");
  static AsyncLogging* g_log = nullptr;
  AsyncLogging log(dir + "/app");
  g_log = &log;
  log.start();
  Logger::setOutput([](const char* data, size_t len) { g_log->append(data, len); });
  LOG_WARN << "through the front end";
  Logger::setOutput(nullptr);
  log.stop();
  const auto lines = readLines(dir);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("WARN  through the front end - AsyncLogging_test.cc:"), std::string::npos)
      << lines[0];
}

}  // namespace
}  // namespace muduo
