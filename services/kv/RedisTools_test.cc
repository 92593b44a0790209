// The real Redis tools against the real kv_server binary: redis-cli --scan
// (with and without a pattern), redis-cli --bigkeys, redis-benchmark, and a
// transaction typed into redis-cli. They come from Debian's redis-tools
// (tools/bazel installs it); a missing tool fails the test, never skips it.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "services/kv/Subprocess.h"

namespace muduo::kv {
namespace {

using namespace std::chrono_literals;
using test::Subprocess;

constexpr const char* kRedisCli = "/usr/bin/redis-cli";
constexpr const char* kRedisBenchmark = "/usr/bin/redis-benchmark";

// A port that was free a moment ago (kv_server's --resp_port=0 turns RESP
// off rather than picking one).
int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

class RedisToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {kRedisCli, kRedisBenchmark}) {
      ASSERT_EQ(::access(tool, X_OK), 0)
          << tool << " is missing: install redis-tools (tools/bazel does)";
    }
    const std::string dir = test::tempPath("tools_data");
    std::filesystem::remove_all(dir);
    const std::string portFile = test::tempPath("tools.ports");
    std::filesystem::remove(portFile);
    const int respPort = freePort();
    ASSERT_GT(respPort, 0);
    server_ = std::make_unique<Subprocess>(
        std::vector<std::string>{test::runfile("services/kv/kv_server"), "--port=0",
                                 absl::StrCat("--resp_port=", respPort), "--data_dir=" + dir,
                                 "--sync=none", "--port_file=" + portFile},
        test::tempPath("tools_server"));
    ASSERT_TRUE(test::waitForFile(portFile, 20s)) << server_->err();
    const std::string ports = test::readFile(portFile);
    const size_t start = ports.find("resp_port=") + 10;
    ASSERT_TRUE(absl::SimpleAtoi(ports.substr(start, ports.find('\n', start) - start), &port_));
    ASSERT_EQ(port_, respPort);
  }

  // redis-cli with these arguments (after -p PORT).
  test::Finished cli(std::vector<std::string> args) {
    args.insert(args.begin(), {kRedisCli, "-p", std::to_string(port_)});
    return test::run(args, test::tempPath(absl::StrCat("cli", ++calls_)), 60s);
  }

  // A shell line, for piping into redis-cli's stdin.
  test::Finished shell(const std::string& line) {
    return test::run({"/bin/sh", "-c", line}, test::tempPath(absl::StrCat("sh", ++calls_)), 60s);
  }

  std::unique_ptr<Subprocess> server_;
  int port_ = 0;
  int calls_ = 0;
};

std::vector<std::string> sortedLines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST_F(RedisToolsTest, RedisCliScanListsEveryKeyAndFiltersByPattern) {
  std::string commands;
  std::vector<std::string> expected;
  for (int i = 0; i < 500; ++i) {
    absl::StrAppend(&commands, "SET k:", i, " v", i, "\n");
    expected.push_back(absl::StrCat("k:", i));
  }
  commands += "SET other x\n";
  const std::string file = test::tempPath("keys.txt");
  {
    FILE* f = ::fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    ::fputs(commands.c_str(), f);
    ::fclose(f);
  }
  test::Finished r = shell(absl::StrCat(kRedisCli, " -p ", port_, " < ", file));
  ASSERT_EQ(r.code, 0) << r.err;

  r = cli({"--scan", "--pattern", "k:*"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(sortedLines(r.out), expected);

  r = cli({"--scan"});
  ASSERT_EQ(r.code, 0) << r.err;
  expected.push_back("other");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(sortedLines(r.out), expected);
}

TEST_F(RedisToolsTest, RedisCliBigkeysFindsTheBiggestString) {
  ASSERT_EQ(cli({"SET", "small", "x"}).code, 0);
  ASSERT_EQ(cli({"SET", "large", std::string(1000, 'L')}).code, 0);
  test::Finished r = cli({"--bigkeys"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Biggest string found '\"large\"' has 1000 bytes"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("2 strings with 1001 bytes"), std::string::npos) << r.out;
}

TEST_F(RedisToolsTest, RedisBenchmarkRunsWithoutErrorsOrConfigWarnings) {
  test::Finished r = test::run(
      {kRedisBenchmark, "-p", std::to_string(port_), "-t", "set,get,incr,mset", "-n", "2000", "-q"},
      test::tempPath("benchmark"), 120s);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  const std::string all = r.out + r.err;
  for (const char* test : {"SET: ", "GET: ", "INCR: ", "MSET (10 keys): "}) {
    EXPECT_NE(all.find(test), std::string::npos) << test << " missing from " << all;
  }
  EXPECT_EQ(all.find("WARNING"), std::string::npos) << all;
  EXPECT_EQ(all.find("ERROR"), std::string::npos) << all;
  EXPECT_EQ(all.find("rror"), std::string::npos) << all;
  // Every INCR it sent was applied.
  test::Finished counter = cli({"GET", "counter:__rand_int__"});
  EXPECT_EQ(counter.out, "2000\n") << counter.err;
}

TEST_F(RedisToolsTest, ATransactionTypedIntoRedisCliRunsAsOne) {
  test::Finished r =
      shell(absl::StrCat("printf 'SET t 10\\nMULTI\\nSET t 1\\nINCR t\\nGET t\\nEXEC\\n' | ",
                         kRedisCli, " -p ", port_));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "OK\nOK\nQUEUED\nQUEUED\nQUEUED\nOK\n2\n2\n") << r.out;
  r = cli({"GET", "t"});
  EXPECT_EQ(r.out, "2\n");
}

}  // namespace
}  // namespace muduo::kv
