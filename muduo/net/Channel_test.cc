// Channel, and through it the Poller selected by MUDUO_USE_POLL: interest
// changes, removal, dispatch of read / write / close / error events.
#include "muduo/net/Channel.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "muduo/net/EventLoop.h"

namespace muduo::net {
namespace {

using namespace std::chrono_literals;

void addWatchdog(EventLoop* loop, bool* timedOut, std::chrono::milliseconds limit = 5s) {
  loop->runAfter(limit, [loop, timedOut] {
    *timedOut = true;
    loop->quit();
  });
}

class Pipe {
 public:
  Pipe() { EXPECT_EQ(::pipe2(fds_, O_CLOEXEC | O_NONBLOCK), 0); }
  ~Pipe() {
    closeRead();
    closeWrite();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  int readFd() const { return fds_[0]; }
  int writeFd() const { return fds_[1]; }
  void writeByte() const { EXPECT_EQ(::write(fds_[1], "x", 1), 1); }
  // Returns false when nothing was there.
  bool readByte() const {
    char c;
    return ::read(fds_[0], &c, 1) == 1;
  }
  void closeRead() {
    if (fds_[0] >= 0) ::close(fds_[0]);
    fds_[0] = -1;
  }
  void closeWrite() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

// A Channel that unregisters itself before it is destroyed, as its owner
// must, even when a failed assertion ends the test early.
class OwnedChannel {
 public:
  OwnedChannel(EventLoop* loop, int fd) : channel_(std::make_unique<Channel>(loop, fd)) {}
  ~OwnedChannel() { release(); }
  OwnedChannel(const OwnedChannel&) = delete;
  OwnedChannel& operator=(const OwnedChannel&) = delete;

  Channel* operator->() const { return channel_.get(); }
  Channel* get() const { return channel_.get(); }
  void release() {
    if (channel_ && !released_) {
      channel_->disableAll();
      channel_->remove();
      released_ = true;
    }
  }

 private:
  std::unique_ptr<Channel> channel_;
  bool released_ = false;
};

TEST(ChannelTest, ReadableFdRunsTheReadCallbackWithThePollReturnTime) {
  EventLoop loop;
  Pipe pipe;
  OwnedChannel channel(&loop, pipe.readFd());
  Timestamp received;
  channel->setReadCallback([&](Timestamp t) {
    received = t;
    EXPECT_TRUE(pipe.readByte());
    loop.quit();
  });
  channel->enableReading();
  EXPECT_TRUE(channel->isReading());
  EXPECT_FALSE(channel->isWriting());
  pipe.writeByte();
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_TRUE(received.valid());
  EXPECT_EQ(received, loop.pollReturnTime());
}

TEST(ChannelTest, ReadCallbackRepeatsWhileDataRemainsBecausePollingIsLevelTriggered) {
  EventLoop loop;
  Pipe pipe;
  OwnedChannel channel(&loop, pipe.readFd());
  int reads = 0;
  channel->setReadCallback([&](Timestamp) {
    EXPECT_TRUE(pipe.readByte());  // one byte per event
    // The quit timer starts at the third read, so a slow start cannot end
    // the test early; it then gives a fourth dispatch time to show up.
    if (++reads == 3) loop.runAfter(20ms, [&loop] { loop.quit(); });
  });
  channel->enableReading();
  for (int i = 0; i < 3; ++i) pipe.writeByte();
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_EQ(reads, 3);
  EXPECT_FALSE(pipe.readByte());
}

TEST(ChannelTest, DisabledChannelIsNotDispatchedThoughDataIsWaiting) {
  EventLoop loop;
  Pipe pipe;
  OwnedChannel channel(&loop, pipe.readFd());
  int reads = 0;
  channel->setReadCallback([&](Timestamp) {
    ++reads;
    EXPECT_TRUE(pipe.readByte());
    // Quit on the read itself, not on a later timer: on a loaded machine
    // two timers can come due in one iteration, before the read is seen.
    loop.quit();
  });
  channel->enableReading();
  channel->disableReading();
  EXPECT_TRUE(channel->isNoneEvent());
  pipe.writeByte();
  loop.runAfter(20ms, [&] {
    EXPECT_EQ(reads, 0);
    channel->enableReading();  // the waiting byte is reported now
  });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_EQ(reads, 1);
}

TEST(ChannelTest, WriteInterestRunsTheWriteCallbackUntilDisabled) {
  EventLoop loop;
  Pipe pipe;
  OwnedChannel channel(&loop, pipe.writeFd());
  int writes = 0;
  channel->setWriteCallback([&] {
    if (++writes == 3) {
      channel->disableWriting();
      // Timed from the third write, so a slow start cannot end the test
      // before the callback has run three times.
      loop.runAfter(20ms, [&loop] { loop.quit(); });
    }
  });
  channel->enableWriting();
  EXPECT_TRUE(channel->isWriting());
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_EQ(writes, 3);
  EXPECT_FALSE(channel->isWriting());
}

TEST(ChannelTest, HangupWithNothingToReadRunsTheCloseCallback) {
  EventLoop loop;
  Pipe pipe;
  OwnedChannel channel(&loop, pipe.readFd());
  channel->doNotLogHup();
  int closes = 0;
  int reads = 0;
  channel->setCloseCallback([&] {
    ++closes;
    channel->disableAll();
    loop.quit();
  });
  channel->setReadCallback([&](Timestamp) { ++reads; });
  channel->enableReading();
  pipe.closeWrite();
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_EQ(closes, 1);
  EXPECT_EQ(reads, 0);
}

TEST(ChannelTest, WritingToAPipeWithNoReaderRunsTheErrorCallback) {
  EventLoop loop;
  Pipe pipe;
  OwnedChannel channel(&loop, pipe.writeFd());
  int errors = 0;
  channel->setErrorCallback([&] {
    ++errors;
    channel->disableAll();
    loop.quit();
  });
  channel->setWriteCallback([] {});
  pipe.closeRead();
  channel->enableWriting();
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_EQ(errors, 1);
}

TEST(ChannelTest, LoopKnowsTheChannelOnlyBetweenEnableAndRemove) {
  EventLoop loop;
  Pipe pipe;
  auto channel = std::make_unique<Channel>(&loop, pipe.readFd());
  EXPECT_FALSE(loop.hasChannel(channel.get()));
  channel->enableReading();
  EXPECT_TRUE(loop.hasChannel(channel.get()));
  channel->disableAll();
  channel->remove();
  EXPECT_FALSE(loop.hasChannel(channel.get()));
  channel.reset();  // its destructor checks the same
}

TEST(ChannelTest, ChannelMayRemoveItselfFromItsOwnCallback) {
  EventLoop loop;
  Pipe pipe;
  OwnedChannel channel(&loop, pipe.readFd());
  int reads = 0;
  channel->setReadCallback([&](Timestamp) {
    ++reads;
    channel.release();  // disableAll + remove, while being dispatched
    loop.runAfter(20ms, [&loop] { loop.quit(); });
  });
  channel->enableReading();
  pipe.writeByte();
  pipe.writeByte();  // still readable afterwards: must not be dispatched again
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_EQ(reads, 1);
  EXPECT_FALSE(loop.hasChannel(channel.get()));
}

TEST(ChannelTest, TiedChannelIgnoresEventsOnceItsOwnerIsGone) {
  EventLoop loop;
  Pipe pipe;
  OwnedChannel channel(&loop, pipe.readFd());
  int reads = 0;
  auto owner = std::make_shared<int>(0);
  channel->setReadCallback([&](Timestamp) {
    EXPECT_TRUE(pipe.readByte());
    if (++reads == 1) {
      // From the first read on, timed from it rather than from the start.
      owner.reset();
      pipe.writeByte();
      loop.runAfter(20ms, [&loop] { loop.quit(); });
    }
  });
  channel->tie(owner);
  channel->enableReading();
  pipe.writeByte();
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  EXPECT_EQ(reads, 1);
}

// Registers many channels, removes a random half in random order (which, for
// the poll poller, moves slots around), then checks that exactly the rest are
// dispatched; then brings the removed ones back.
TEST(ChannelTest, RemovingManyChannelsInRandomOrderLeavesTheOthersWorking) {
  constexpr int kChannels = 64;
  EventLoop loop;
  std::vector<std::unique_ptr<Pipe>> pipes;
  std::vector<std::unique_ptr<OwnedChannel>> channels;
  std::vector<int> reads(kChannels, 0);
  for (int i = 0; i < kChannels; ++i) {
    pipes.push_back(std::make_unique<Pipe>());
    channels.push_back(std::make_unique<OwnedChannel>(&loop, pipes.back()->readFd()));
    Pipe* pipe = pipes.back().get();
    (*channels.back())->setReadCallback([&reads, pipe, i](Timestamp) {
      ++reads[static_cast<size_t>(i)];
      EXPECT_TRUE(pipe->readByte());
    });
    (*channels.back())->enableReading();
  }

  std::vector<int> order(kChannels);
  for (int i = 0; i < kChannels; ++i) order[static_cast<size_t>(i)] = i;
  std::mt19937 rng(7);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<bool> removed(kChannels, false);
  for (int k = 0; k < kChannels / 2; ++k) {
    const auto i = static_cast<size_t>(order[static_cast<size_t>(k)]);
    (*channels[i])->disableAll();
    (*channels[i])->remove();
    removed[i] = true;
    EXPECT_FALSE(loop.hasChannel(channels[i]->get()));
  }
  for (int i = 0; i < kChannels; ++i) {
    EXPECT_EQ(loop.hasChannel(channels[static_cast<size_t>(i)]->get()),
              !removed[static_cast<size_t>(i)]);
  }

  for (auto& pipe : pipes) pipe->writeByte();
  loop.runAfter(30ms, [&] {
    for (int i = 0; i < kChannels; ++i) {
      EXPECT_EQ(reads[static_cast<size_t>(i)], removed[static_cast<size_t>(i)] ? 0 : 1)
          << "channel " << i;
    }
    for (int i = 0; i < kChannels; ++i) {
      if (removed[static_cast<size_t>(i)]) (*channels[static_cast<size_t>(i)])->enableReading();
    }
  });
  // Once re-enabled, every removed channel reads its byte: wait for that (a
  // fixed delay fails on a loaded machine), bounded by the watchdog.
  loop.runEvery(5ms, [&] {
    if (std::count(reads.begin(), reads.end(), 1) == kChannels) loop.quit();
  });
  bool timedOut = false;
  addWatchdog(&loop, &timedOut);
  loop.loop();
  EXPECT_FALSE(timedOut);
  for (int i = 0; i < kChannels; ++i) {
    EXPECT_EQ(reads[static_cast<size_t>(i)], 1) << "channel " << i;
  }
}

TEST(ChannelTest, EventsToStringNamesTheInterestSet) {
  EventLoop loop;
  Pipe pipe;
  OwnedChannel channel(&loop, pipe.readFd());
  channel->enableReading();
  const std::string text = channel->eventsToString();
  EXPECT_NE(text.find("IN"), std::string::npos) << text;
  EXPECT_EQ(text.find("OUT"), std::string::npos) << text;
}

}  // namespace
}  // namespace muduo::net
