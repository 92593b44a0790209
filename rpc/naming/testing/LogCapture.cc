#include "rpc/naming/testing/LogCapture.h"

#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "muduo/base/Logging.h"
#include "rpc/naming/testing/Inbox.h"

namespace muduo::rpc::naming::testing {
namespace {

std::mutex gMutex;
std::condition_variable gCond;
std::string gText;

void capture(const char* line, size_t len) {
  std::fwrite(line, 1, len, stderr);
  std::lock_guard<std::mutex> lock(gMutex);
  gText.append(line, len);
  gCond.notify_all();
}

}  // namespace

LogCapture::LogCapture() {
  {
    std::lock_guard<std::mutex> lock(gMutex);
    gText.clear();
  }
  Logger::setOutput(&capture);
}

LogCapture::~LogCapture() { Logger::setOutput(nullptr); }

std::string LogCapture::text() const {
  std::lock_guard<std::mutex> lock(gMutex);
  return gText;
}

int LogCapture::count(const std::string& needle) const {
  std::lock_guard<std::mutex> lock(gMutex);
  int n = 0;
  for (size_t at = gText.find(needle); at != std::string::npos; at = gText.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

bool LogCapture::waitFor(const std::string& needle) const {
  std::unique_lock<std::mutex> lock(gMutex);
  return gCond.wait_for(lock, kWait, [&] { return gText.find(needle) != std::string::npos; });
}

}  // namespace muduo::rpc::naming::testing
