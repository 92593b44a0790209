#include "muduo/base/Thread.h"

#include <sys/prctl.h>

#include <atomic>
#include <string>

#include "gtest/gtest.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/CurrentThread.h"
#include "muduo/base/TestUtil.h"

namespace muduo {
namespace {

using test::kTimeout;

TEST(ThreadTest, TidIsKnownAsSoonAsStartReturns) {
  int tidInside = 0;
  Thread thread([&tidInside] { tidInside = CurrentThread::tid(); });
  EXPECT_FALSE(thread.started());
  thread.start();
  EXPECT_TRUE(thread.started());
  const int tid = thread.tid();  // read before join: start() published it
  thread.join();
  EXPECT_NE(tid, 0);
  EXPECT_NE(tid, CurrentThread::tid());
  EXPECT_EQ(tid, tidInside);
}

TEST(ThreadTest, DefaultNameIsThreadFollowedByTheCreationCount) {
  const int before = Thread::numCreated();
  std::string nameInside;
  Thread thread([&nameInside] { nameInside = CurrentThread::name(); });
  EXPECT_EQ(Thread::numCreated(), before + 1);
  EXPECT_EQ(thread.name(), "Thread" + std::to_string(before + 1));
  thread.start();
  thread.join();
  EXPECT_EQ(nameInside, thread.name());
}

TEST(ThreadTest, CustomNameIsVisibleInsideTheThread) {
  std::string nameInside;
  char kernelName[16] = {};
  Thread thread(
      [&] {
        nameInside = CurrentThread::name();
        ::prctl(PR_GET_NAME, kernelName);
      },
      "a-rather-long-thread-name");
  EXPECT_EQ(thread.name(), "a-rather-long-thread-name");
  thread.start();
  thread.join();
  EXPECT_EQ(nameInside, "a-rather-long-thread-name");
  // The kernel keeps the first 15 characters.
  EXPECT_STREQ(kernelName, "a-rather-long-t");
}

TEST(ThreadTest, DestructorJoinsAStartedThread) {
  std::atomic<bool> finished{false};
  CountDownLatch go(1);
  {
    Thread thread([&] {
      EXPECT_TRUE(go.waitFor(kTimeout));
      finished = true;
    });
    thread.start();
    go.countDown();
  }
  EXPECT_TRUE(finished.load());
}

TEST(ThreadTest, DestructorOfAnUnstartedThreadDoesNothing) {
  bool ran = false;
  {
    Thread thread([&ran] { ran = true; });
  }
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace muduo
