// FaultInjectionEnv: what survives a simulated power loss (synced bytes,
// synced names) and what does not, and that injected faults fire where asked.
#include "services/kv/testing/FaultInjectionEnv.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace muduo::kv {
namespace {

namespace fs = std::filesystem;

class FaultInjectionEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = ::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/fi_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  void write(const std::string& name, std::string_view data, bool sync) {
    auto file = env_.openWritable(path(name), WritableFile::Mode::kAppend);
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE((*file)->append(data).ok());
    if (sync) {
      ASSERT_TRUE((*file)->sync().ok());
    }
  }

  std::string contents(const std::string& name) const {
    std::ifstream in(path(name), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::vector<std::string> names() {
    auto listed = env_.listDir(dir_);
    EXPECT_TRUE(listed.ok());
    std::vector<std::string> out = *listed;
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string dir_;
  FaultInjectionEnv env_;
};

TEST_F(FaultInjectionEnvTest, BytesAfterTheLastSyncAreLostAndSyncedOnesKept) {
  write("a", "synced", /*sync=*/true);
  ASSERT_TRUE(env_.syncDir(dir_).ok());
  write("a", "-lost", /*sync=*/false);
  EXPECT_EQ(contents("a"), "synced-lost");
  ASSERT_TRUE(env_.simulatePowerLoss().ok());
  EXPECT_EQ(contents("a"), "synced");
}

TEST_F(FaultInjectionEnvTest, SyncedReservedZerosSurviveAndUnsyncedWritesOverThemRevert) {
  {
    auto file = env_.openWritable(path("log"), WritableFile::Mode::kAppend);
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE((*file)->append("head").ok());
    ASSERT_TRUE((*file)->reserve(100).ok());
    EXPECT_EQ((*file)->size(), 4u) << "reserving does not move the append point";
    ASSERT_TRUE((*file)->append("-synced").ok());
    ASSERT_TRUE((*file)->sync().ok());
    ASSERT_TRUE((*file)->append("-lost").ok());
    ASSERT_TRUE((*file)->reserve(200).ok());  // never synced
    EXPECT_EQ(fs::file_size(path("log")), 200u);
  }
  ASSERT_TRUE(env_.syncDir(dir_).ok());
  ASSERT_TRUE(env_.simulatePowerLoss().ok());
  EXPECT_EQ(contents("log"), "head-synced" + std::string(100 - 11, '\0'));
}

TEST_F(FaultInjectionEnvTest, ANewFileWhoseNameWasNeverSyncedDisappears) {
  write("kept", "x", true);
  ASSERT_TRUE(env_.syncDir(dir_).ok());
  write("gone", "y", true);  // its bytes are synced, its name is not
  ASSERT_TRUE(env_.simulatePowerLoss().ok());
  EXPECT_EQ(names(), std::vector<std::string>{"kept"});
}

TEST_F(FaultInjectionEnvTest, ARenameNotSyncedRevertsAndTheReplacedFileComesBack) {
  write("old", "old contents", true);
  write("new.tmp", "new contents", true);
  ASSERT_TRUE(env_.syncDir(dir_).ok());
  ASSERT_TRUE(env_.rename(path("new.tmp"), path("old")).ok());
  EXPECT_EQ(contents("old"), "new contents");
  ASSERT_TRUE(env_.simulatePowerLoss().ok());
  EXPECT_EQ(names(), (std::vector<std::string>{"new.tmp", "old"}));
  EXPECT_EQ(contents("old"), "old contents");
  EXPECT_EQ(contents("new.tmp"), "new contents");
}

TEST_F(FaultInjectionEnvTest, ARenameFollowedByADirectorySyncSticks) {
  write("t", "v", true);
  ASSERT_TRUE(env_.syncDir(dir_).ok());
  ASSERT_TRUE(env_.rename(path("t"), path("u")).ok());
  ASSERT_TRUE(env_.syncDir(dir_).ok());
  ASSERT_TRUE(env_.simulatePowerLoss().ok());
  EXPECT_EQ(names(), std::vector<std::string>{"u"});
  EXPECT_EQ(contents("u"), "v");
}

TEST_F(FaultInjectionEnvTest, ARemoveNotSyncedIsUndoneWithTheSyncedBytes) {
  write("f", "durable", true);
  ASSERT_TRUE(env_.syncDir(dir_).ok());
  write("f", "+volatile", false);
  ASSERT_TRUE(env_.remove(path("f")).ok());
  EXPECT_TRUE(names().empty()) << "hidden copies are not listed";
  ASSERT_TRUE(env_.simulatePowerLoss().ok());
  EXPECT_EQ(contents("f"), "durable");
}

TEST_F(FaultInjectionEnvTest, FilesPresentBeforeTheEnvSawThemCountAsDurable) {
  std::ofstream(path("existing")) << "before";
  ASSERT_TRUE(env_.remove(path("existing")).ok());
  ASSERT_TRUE(env_.simulatePowerLoss().ok());
  EXPECT_EQ(contents("existing"), "before");
}

TEST_F(FaultInjectionEnvTest, AFaultFiresAfterItsSkipOnlyOnMatchingPaths) {
  FaultInjectionEnv::Fault fault;
  fault.op = FaultInjectionEnv::Op::kSync;
  fault.error = ENOSPC;
  fault.skip = 1;
  fault.match = [](const std::string& p) { return p.ends_with("/b"); };
  fault.once = true;
  env_.inject(fault);
  auto a = env_.openWritable(path("a"), WritableFile::Mode::kAppend);
  auto b = env_.openWritable(path("b"), WritableFile::Mode::kAppend);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE((*a)->sync().ok()) << "another path";
  EXPECT_TRUE((*b)->sync().ok()) << "skipped once";
  absl::Status failed = (*b)->sync();
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find(strerror(ENOSPC)), std::string_view::npos) << failed;
  EXPECT_TRUE((*b)->sync().ok()) << "a once-fault fires once";
  EXPECT_EQ(env_.failuresInjected(), 1u);
}

TEST_F(FaultInjectionEnvTest, AShortWriteWritesHalfAndFails) {
  for (FaultInjectionEnv::Op op :
       {FaultInjectionEnv::Op::kAppend, FaultInjectionEnv::Op::kReserve}) {
    FaultInjectionEnv::Fault fault;
    fault.op = op;
    fault.error = ENOSPC;
    fault.shortWrite = true;
    env_.inject(fault);
  }
  auto file = env_.openWritable(path("s"), WritableFile::Mode::kAppend);
  ASSERT_TRUE(file.ok());
  EXPECT_FALSE((*file)->append("12345678").ok());
  EXPECT_EQ((*file)->size(), 4u);
  EXPECT_EQ(contents("s"), "1234");
  // Reserving zeros on a full disk: half of them go in, as a full disk does.
  const absl::Status reserved = (*file)->reserve(104);
  EXPECT_NE(reserved.message().find(strerror(ENOSPC)), std::string_view::npos) << reserved;
  EXPECT_EQ(fs::file_size(path("s")), 54u);
  EXPECT_EQ((*file)->size(), 4u) << "zeros are not appended bytes";
}

TEST_F(FaultInjectionEnvTest, AfterTheCrashPointEveryChangeFailsAndChangesNothing) {
  env_.crashAfter(3, /*seed=*/1);
  auto file = env_.openWritable(path("c"), WritableFile::Mode::kAppend);  // op 1
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->append("one").ok());  // op 2
  EXPECT_FALSE(env_.crashed());
  EXPECT_FALSE((*file)->sync().ok());  // op 3: the crash
  EXPECT_TRUE(env_.crashed());
  EXPECT_FALSE(env_.rename(path("c"), path("d")).ok());
  EXPECT_FALSE(env_.syncDir(dir_).ok());
  EXPECT_TRUE(env_.openReadable(path("c")).ok()) << "reads still work";
  file->reset();
  ASSERT_TRUE(env_.simulatePowerLoss().ok());
  EXPECT_TRUE(names().empty()) << "c was never synced into the directory";
  EXPECT_FALSE(env_.crashed());
}

}  // namespace
}  // namespace muduo::kv
