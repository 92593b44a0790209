// LogCapture: while one exists, every log line is kept (and still printed to
// stderr), so a test can await a line and count them.
//
// Test-only. Construct and destroy in the test thread, one at a time; the
// query methods may be called from any thread.
#ifndef RPC_NAMING_TESTING_LOGCAPTURE_H_
#define RPC_NAMING_TESTING_LOGCAPTURE_H_

#include <chrono>
#include <string>

namespace muduo::rpc::naming::testing {

class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  [[nodiscard]] std::string text() const;
  // How many lines contain `needle`.
  [[nodiscard]] int count(const std::string& needle) const;
  // Waits up to kWait (Inbox.h) for a line containing `needle`.
  [[nodiscard]] bool waitFor(const std::string& needle) const;
};

}  // namespace muduo::rpc::naming::testing

#endif  // RPC_NAMING_TESTING_LOGCAPTURE_H_
