#include "services/common/ServerRunner.h"

#include <signal.h>

#include <thread>

#include "gtest/gtest.h"

namespace services {
namespace {

TEST(ServerRunnerTest, RequestStopRunsTheShutdownThenReturns) {
  ServerRunner runner("runner_test", "");
  bool shutdownRan = false;
  runner.loop()->runAfter(std::chrono::milliseconds(10), [&runner] { runner.requestStop(); });
  const int code = runner.run([&shutdownRan](absl::AnyInvocable<void()> done) {
    shutdownRan = true;
    done();
  });
  EXPECT_EQ(code, 0);
  EXPECT_TRUE(shutdownRan);
}

TEST(ServerRunnerTest, SigtermStartsAGracefulShutdownThatMayFinishLater) {
  const char* dir = ::getenv("TEST_TMPDIR");
  ServerRunner runner("runner_test", dir != nullptr ? dir : "/tmp");
  int shutdownCalls = 0;
  runner.loop()->runAfter(std::chrono::milliseconds(10), [] { ::kill(::getpid(), SIGTERM); });
  runner.run([&](absl::AnyInvocable<void()> done) {
    ++shutdownCalls;
    // Finishes from another thread a little later, as an RpcServer would.
    std::thread([done = std::move(done)]() mutable {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      done();
    }).detach();
  });
  EXPECT_EQ(shutdownCalls, 1);
}

}  // namespace
}  // namespace services
