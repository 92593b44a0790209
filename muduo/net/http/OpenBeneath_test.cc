#include "muduo/net/http/OpenBeneath.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace muduo::net {
namespace {

class OpenBeneathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    // One tree per test.
    base_ = std::string(tmp != nullptr ? tmp : "/tmp") + "/beneath_" + std::to_string(::getpid()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(::mkdir(base_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((base_ + "/root").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((base_ + "/root/dir").c_str(), 0755), 0);
    write(base_ + "/root/dir/file", "inside");
    write(base_ + "/outside", "SECRET");
    ASSERT_EQ(::symlink("../../outside", (base_ + "/root/dir/out").c_str()), 0);
    ASSERT_EQ(::symlink("file", (base_ + "/root/dir/in").c_str()), 0);
    ASSERT_EQ(::symlink(base_.c_str(), (base_ + "/root/abs").c_str()), 0);
    root_ = UniqueFd(::open((base_ + "/root").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(root_.valid());
  }

  static void write(const std::string& path, const std::string& content) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    ASSERT_TRUE(fd.valid()) << path;
    ASSERT_EQ(::write(fd.get(), content.data(), content.size()),
              static_cast<ssize_t>(content.size()));
  }

  static std::string contents(const UniqueFd& fd) {
    char buf[64];
    const ssize_t n = ::pread(fd.get(), buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }

  std::string base_;
  UniqueFd root_;
};

TEST_F(OpenBeneathTest, OpensAFileBelowTheDirectoryAndFollowsSymlinksThatStayInside) {
  EXPECT_EQ(contents(openBeneath(root_.get(), "dir/file")), "inside");
  EXPECT_EQ(contents(openBeneath(root_.get(), "dir/in")), "inside");
}

TEST_F(OpenBeneathTest, RefusesSymlinksThatLeaveTheDirectory) {
  for (const char* path : {"dir/out", "abs/outside", "abs"}) {
    UniqueFd fd = openBeneath(root_.get(), path);
    EXPECT_FALSE(fd.valid()) << path;
    EXPECT_TRUE(errno == EXDEV || errno == ELOOP) << path << ": " << errno;
  }
  EXPECT_FALSE(openBeneath(root_.get(), "dir/missing").valid());
  EXPECT_EQ(errno, ENOENT);
}

TEST_F(OpenBeneathTest, TheFallbackWalkRefusesEverySymlinkButOpensPlainPaths) {
  EXPECT_EQ(contents(openBeneathByWalk(root_.get(), "dir/file")), "inside");
  EXPECT_TRUE(openBeneathByWalk(root_.get(), ".").valid());
  for (const char* path : {"dir/out", "dir/in", "abs/outside", "abs"}) {
    EXPECT_FALSE(openBeneathByWalk(root_.get(), path).valid()) << path;
  }
}

}  // namespace
}  // namespace muduo::net
