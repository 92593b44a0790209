#include "muduo/base/CurrentThread.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace muduo {
namespace {

int kernelTid() { return static_cast<int>(::syscall(SYS_gettid)); }

TEST(CurrentThreadTest, TidIsTheKernelThreadIdAndStaysTheSame) {
  const int tid = CurrentThread::tid();
  EXPECT_EQ(tid, kernelTid());
  EXPECT_EQ(CurrentThread::tid(), tid);
}

TEST(CurrentThreadTest, TidDiffersBetweenThreads) {
  int otherTid = 0;
  int otherKernelTid = -1;
  std::thread other([&] {
    otherTid = CurrentThread::tid();
    otherKernelTid = kernelTid();
  });
  other.join();
  EXPECT_EQ(otherTid, otherKernelTid);
  EXPECT_NE(otherTid, CurrentThread::tid());
}

TEST(CurrentThreadTest, TidStringIsTheRightAlignedTidAndASpace) {
  char expected[16];
  snprintf(expected, sizeof expected, "%6d ", CurrentThread::tid());
  EXPECT_EQ(CurrentThread::tidString(), expected);
}

TEST(CurrentThreadTest, TestMainThreadIsTheMainThreadNamedMain) {
  EXPECT_TRUE(CurrentThread::isMainThread());
  EXPECT_STREQ(CurrentThread::name(), "main");
}

TEST(CurrentThreadTest, OtherThreadsAreUnknownUntilNamed) {
  bool isMain = true;
  std::string before;
  std::string after;
  std::thread other([&] {
    isMain = CurrentThread::isMainThread();
    before = CurrentThread::name();
    CurrentThread::setName("worker");
    after = CurrentThread::name();
  });
  other.join();
  EXPECT_FALSE(isMain);
  EXPECT_EQ(before, "unknown");
  EXPECT_EQ(after, "worker");
  EXPECT_STREQ(CurrentThread::name(), "main");  // naming is per thread
}

}  // namespace
}  // namespace muduo
