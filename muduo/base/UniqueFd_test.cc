#include "muduo/base/UniqueFd.h"

#include <fcntl.h>
#include <unistd.h>

#include <utility>

#include "gtest/gtest.h"

namespace muduo {
namespace {

bool isOpen(int fd) { return ::fcntl(fd, F_GETFD) >= 0; }

int openDevNull() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

TEST(UniqueFdTest, ADefaultOneOwnsNothing) {
  UniqueFd fd;
  EXPECT_FALSE(fd.valid());
  EXPECT_FALSE(fd);
  EXPECT_EQ(fd.get(), -1);
}

TEST(UniqueFdTest, TheDescriptorIsClosedWhenTheOwnerGoes) {
  int raw = -1;
  {
    UniqueFd fd(openDevNull());
    raw = fd.get();
    ASSERT_TRUE(isOpen(raw));
  }
  EXPECT_FALSE(isOpen(raw));
}

TEST(UniqueFdTest, MovingHandsOverOwnershipAndLeavesTheSourceEmpty) {
  UniqueFd a(openDevNull());
  const int raw = a.get();
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): the contract under test
  EXPECT_EQ(b.get(), raw);
  EXPECT_TRUE(isOpen(raw));
}

TEST(UniqueFdTest, MoveAssignmentClosesWhatTheTargetHeld) {
  UniqueFd a(openDevNull());
  UniqueFd b(openDevNull());
  const int rawA = a.get();
  const int rawB = b.get();
  b = std::move(a);
  EXPECT_FALSE(isOpen(rawB));
  EXPECT_EQ(b.get(), rawA);
  EXPECT_TRUE(isOpen(rawA));
}

TEST(UniqueFdTest, SelfMoveAssignmentKeepsTheDescriptor) {
  UniqueFd a(openDevNull());
  const int raw = a.get();
  UniqueFd& alias = a;
  a = std::move(alias);
  EXPECT_EQ(a.get(), raw);
  EXPECT_TRUE(isOpen(raw));
}

TEST(UniqueFdTest, ReleaseGivesUpOwnershipWithoutClosing) {
  UniqueFd a(openDevNull());
  const int raw = a.release();
  EXPECT_FALSE(a.valid());
  EXPECT_TRUE(isOpen(raw));
  ::close(raw);
}

TEST(UniqueFdTest, ResetClosesTheOldDescriptorAndKeepsErrno) {
  UniqueFd a(openDevNull());
  const int old = a.get();
  errno = EAGAIN;
  a.reset(openDevNull());
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_FALSE(isOpen(old) && old != a.get());
  EXPECT_TRUE(a.valid());
  a.reset();
  EXPECT_FALSE(a.valid());
}

}  // namespace
}  // namespace muduo
