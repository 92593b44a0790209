// The bazel-run targets end to end: the real kv_server, driven by the real
// kv_client binary (every command and the load mode), stopped gracefully
// with SIGTERM and restarted on the same data.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/kv/Subprocess.h"

namespace muduo::kv {
namespace {

using namespace std::chrono_literals;
using test::Subprocess;

class KvEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::tempPath("e2e_data");
    std::filesystem::remove_all(dir_);
    startServer("server1");
  }

  void startServer(const std::string& name) {
    const std::string portFile = test::tempPath(name + ".ports");
    std::filesystem::remove(portFile);  // a previous test's, naming a dead server
    server_ = std::make_unique<Subprocess>(
        std::vector<std::string>{test::runfile("services/kv/kv_server"), "--port=0",
                                 "--resp_port=0", "--data_dir=" + dir_, "--port_file=" + portFile},
        test::tempPath(name));
    ASSERT_TRUE(test::waitForFile(portFile, 20s)) << server_->err();
    const std::string ports = test::readFile(portFile);
    const size_t start = ports.find("rpc_port=") + 9;
    ASSERT_TRUE(absl::SimpleAtoi(ports.substr(start, ports.find('\n') - start), &port_));
  }

  test::Finished client(std::vector<std::string> args) {
    args.insert(args.begin(), {test::runfile("services/kv/kv_client"),
                               absl::StrCat("--server=127.0.0.1:", port_)});
    return test::run(args, test::tempPath(absl::StrCat("client", ++calls_)));
  }

  std::string dir_;
  std::unique_ptr<Subprocess> server_;
  uint32_t port_ = 0;
  int calls_ = 0;
};

TEST_F(KvEndToEndTest, EveryClientCommandAgainstTheRealServer) {
  test::Finished r = client({"put", "user:1", "alice"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "OK\n");
  EXPECT_EQ(client({"put", "user:2", "bob"}).code, 0);
  EXPECT_EQ(client({"put", "other", "x"}).code, 0);

  r = client({"get", "user:1"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "alice\n");
  r = client({"get", "nobody"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "(not found)\n");

  r = client({"scan", "user:"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "user:1\talice\nuser:2\tbob\n");

  r = client({"cas", "user:1", "alice", "carol"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "swapped\n");
  r = client({"cas", "user:1", "alice", "dave"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "not swapped: the value is carol\n");
  EXPECT_EQ(client({"--cas_absent", "cas", "new", "1"}).out, "swapped\n");
  EXPECT_EQ(client({"--cas_delete", "cas", "new", "1"}).out, "swapped\n");

  r = client({"del", "user:2"});
  EXPECT_EQ(r.out, "deleted\n");
  r = client({"del", "user:2"});
  EXPECT_EQ(r.out, "not found\n");

  r = client({"--ttl_ms=3600000", "put", "session", "s"});
  EXPECT_EQ(r.code, 0) << r.err;
  r = client({"ttl", "session"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.ends_with(" ms\n") && r.out.size() > 4) << r.out;
  EXPECT_EQ(client({"expire", "session", "0"}).out, "OK\n");
  EXPECT_EQ(client({"ttl", "session"}).out, "never\n");
  EXPECT_EQ(client({"expire", "nobody", "10"}).code, 1);
  EXPECT_EQ(client({"expire", "session", "soon"}).code, 2);

  r = client({"frobnicate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos) << r.err;
}

TEST_F(KvEndToEndTest, LoadModeReportsThroughputAndLatency) {
  test::Finished r = client(
      {"--load", "--op=put", "--calls=2000", "--connections=4", "--concurrency=4", "--keys=100"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("2000 calls in"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("calls/s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("p99"), std::string::npos) << r.out;
  r = client({"--load", "--op=get", "--calls=2000", "--connections=4", "--keys=100"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("get: 4 connections"), std::string::npos) << r.out;
}

TEST_F(KvEndToEndTest, SigtermStopsGracefullyAndTheDataIsThereAfterARestart) {
  ASSERT_EQ(client({"put", "durable", "yes"}).code, 0);
  server_->kill(SIGTERM);
  EXPECT_EQ(server_->wait(20s), 0) << server_->err();
  EXPECT_NE(server_->err().find("kv_server: stopped"), std::string::npos) << server_->err();
  startServer("server2");
  test::Finished r = client({"get", "durable"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "yes\n");
}

TEST_F(KvEndToEndTest, ADamagedLogStopsTheServerUntilRepairSalvagesIt) {
  for (const char* key : {"a", "b", "c", "d"}) ASSERT_EQ(client({"put", key, "value"}).code, 0);
  server_->kill(SIGTERM);
  ASSERT_EQ(server_->wait(20s), 0) << server_->err();
  std::string log;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    if (entry.path().filename().string().starts_with("log-")) log = entry.path();
  }
  ASSERT_FALSE(log.empty());
  {
    std::fstream f(log, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8 + 12);  // past the file header, inside the first record ("a")
    f.put('X');
  }
  test::Finished refused = test::run(
      {test::runfile("services/kv/kv_server"), "--port=0", "--resp_port=0", "--data_dir=" + dir_},
      test::tempPath("refused"));
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.err.find("DATA_LOSS"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("3 valid records"), std::string::npos) << refused.err;
  test::Finished repaired =
      test::run({test::runfile("services/kv/kv_server"), "--repair", "--data_dir=" + dir_},
                test::tempPath("repair"));
  EXPECT_EQ(repaired.code, 0) << repaired.err;
  EXPECT_NE(repaired.out.find("kept 3 records"), std::string::npos) << repaired.out;
  EXPECT_TRUE(std::filesystem::exists(log + ".corrupt"));
  startServer("server3");
  EXPECT_EQ(client({"get", "d"}).out, "value\n");
  EXPECT_NE(client({"get", "a"}).code, 0) << "a was in the damaged record";
}

TEST(KvServerFlagsTest, HelpListsTheFlags) {
  test::Finished r =
      test::run({test::runfile("services/kv/kv_server"), "--help"}, test::tempPath("help"));
  const std::string text = r.out + r.err;
  for (const char* flag :
       {"--bind", "--port", "--resp_port", "--threads", "--data_dir", "--sync", "--log_dir"}) {
    EXPECT_NE(text.find(flag), std::string::npos) << flag << " missing from:\n" << text;
  }
}

TEST(KvServerFlagsTest, ABadSyncModeIsRefused) {
  test::Finished r = test::run({test::runfile("services/kv/kv_server"), "--sync=sometimes",
                                "--data_dir=" + test::tempPath("unused")},
                               test::tempPath("badsync"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--sync must be"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace muduo::kv
