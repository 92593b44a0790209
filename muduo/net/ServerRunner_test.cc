#include "muduo/net/ServerRunner.h"

#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/flags/flag.h"
#include "gtest/gtest.h"

namespace muduo::net {
namespace {

std::string testTmpDir() {
  const char* dir = ::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

TEST(ServerRunnerTest, RequestStopRunsTheShutdownThenReturns) {
  ServerRunner runner("runner_test", ServerRunner::Options{});
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
  ServerRunner::Options options;
  options.logDir = testTmpDir() + "/logs/nested";  // created with its parent
  ServerRunner runner("runner_test", options);
  ASSERT_TRUE(runner.status().ok()) << runner.status();
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

TEST(ServerRunnerTest, ALogDirThatIsAFileIsReportedWithTheReason) {
  const std::string file = testTmpDir() + "/not_a_dir";
  std::ofstream(file) << "x";
  ServerRunner::Options options;
  options.logDir = file + "/logs";
  ServerRunner runner("runner_test", options);
  EXPECT_EQ(runner.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(runner.status().message().find("cannot create --log_dir=" + options.logDir),
            std::string::npos)
      << runner.status();
  EXPECT_NE(runner.status().message().find("Not a directory"), std::string::npos)
      << runner.status();
}

TEST(ServerRunnerTest, ServingWritesOnePortLinePerListener) {
  ServerRunner::Options options;
  options.portFile = testTmpDir() + "/ports";
  ServerRunner runner("runner_test", options);
  ASSERT_TRUE(runner
                  .serving({{"rpc", InetAddress("127.0.0.1", 9090)},
                            {"resp", InetAddress("127.0.0.1", 6380)}})
                  .ok());
  std::stringstream ports;
  ports << std::ifstream(options.portFile).rdbuf();
  EXPECT_EQ(ports.str(), "rpc_port=9090\nresp_port=6380\n");
}

TEST(ServerRunnerTest, FlagsAreCheckedWithTheFlagNamed) {
  absl::SetFlag(&FLAGS_port, 70000);
  EXPECT_EQ(ServerRunner::optionsFromFlags().status().message(),
            "--port=70000 is not a port (0-65535)");
  absl::SetFlag(&FLAGS_port, 0);
  absl::SetFlag(&FLAGS_threads, -1);
  EXPECT_EQ(ServerRunner::optionsFromFlags().status().code(), absl::StatusCode::kInvalidArgument);
  absl::SetFlag(&FLAGS_threads, 1);
  absl::SetFlag(&FLAGS_log_level, "loud");
  EXPECT_NE(ServerRunner::optionsFromFlags().status().message().find("--log_level=loud"),
            std::string::npos);
  absl::SetFlag(&FLAGS_log_level, "warn");
  absl::StatusOr<ServerRunner::Options> options = ServerRunner::optionsFromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->logLevel, LogLevel::kWarn);
}

TEST(ServerRunnerTest, LogOverflowIsBlockUnlessDropIsAskedFor) {
  absl::StatusOr<ServerRunner::Options> options = ServerRunner::optionsFromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->logOverflow, AsyncLogging::Overflow::kBlock);
  absl::SetFlag(&FLAGS_log_overflow, "drop");
  options = ServerRunner::optionsFromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->logOverflow, AsyncLogging::Overflow::kDrop);
  absl::SetFlag(&FLAGS_log_overflow, "lose");
  EXPECT_EQ(ServerRunner::optionsFromFlags().status().message(),
            "--log_overflow=lose is not one of block, drop");
  absl::SetFlag(&FLAGS_log_overflow, "block");
}

TEST(ServerRunnerTest, BusyPollIsOffByDefaultAndBounded) {
  absl::StatusOr<ServerRunner::Options> options = ServerRunner::optionsFromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->busyPoll, std::chrono::microseconds(0));
  absl::SetFlag(&FLAGS_busy_poll_us, 50);
  options = ServerRunner::optionsFromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->busyPoll, std::chrono::microseconds(50));
  absl::SetFlag(&FLAGS_busy_poll_us, -1);
  EXPECT_NE(ServerRunner::optionsFromFlags().status().message().find("--busy_poll_us=-1"),
            std::string::npos);
  absl::SetFlag(&FLAGS_busy_poll_us, 0);
}

TEST(ServerRunnerTest, BusyPollReachesTheRunnersLoopAndLoopsMadeAfterIt) {
  ServerRunner::Options options;
  options.busyPoll = std::chrono::microseconds(40);
  ServerRunner runner("runner_test", options);
  EXPECT_EQ(runner.loop()->busyPoll(), std::chrono::microseconds(40));
  std::chrono::microseconds ioLoopBudget{-1};
  std::thread([&] {
    EventLoop ioLoop;  // as an EventLoopThreadPool makes them
    ioLoopBudget = ioLoop.busyPoll();
  }).join();
  EXPECT_EQ(ioLoopBudget, std::chrono::microseconds(40));
  EventLoop::setDefaultBusyPoll(std::chrono::microseconds(0));
}

}  // namespace
}  // namespace muduo::net
