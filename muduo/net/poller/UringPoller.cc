#include "muduo/net/poller/UringPoller.h"

#include <errno.h>
#include <poll.h>

#include <cassert>
#include <cstring>

#include "muduo/base/Logging.h"
#include "muduo/net/Channel.h"

namespace muduo::net {
namespace {

constexpr unsigned kSqEntries = 256;
// Every armed poll yields at most one completion and every cancel one more;
// room for four per SQ entry keeps overflow (handled, but slower) rare.
constexpr unsigned kCqEntries = 4 * kSqEntries;
// The completions of our own POLL_REMOVE requests; nothing to do with them.
constexpr uint64_t kInternalUserData = ~uint64_t{0};
// Bits the kernel reports whatever the interest; a channel always gets them.
constexpr int kAlwaysReported = POLLHUP | POLLERR | POLLNVAL;

uint64_t userData(int index, uint32_t generation) {
  return (uint64_t{generation} << 32) | static_cast<uint32_t>(index);
}

}  // namespace

std::unique_ptr<UringPoller> UringPoller::create(EventLoop* loop, std::string* error) {
  std::unique_ptr<UringPoller> poller(new UringPoller(loop));
  if (!poller->init(error)) return nullptr;
  return poller;
}

UringPoller::UringPoller(EventLoop* loop) : Poller(loop) {}

UringPoller::~UringPoller() {
  // Exiting the ring cancels every poll still armed.
  if (ringReady_) io_uring_queue_exit(&ring_);
}

bool UringPoller::init(std::string* error) {
  io_uring_params params;
  memset(&params, 0, sizeof params);
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL;
  params.cq_entries = kCqEntries;
  int ret = io_uring_queue_init_params(kSqEntries, &ring_, &params);
  if (ret == -EINVAL) {
    // SUBMIT_ALL is 5.18+; without it a bad SQE stops the batch, which ours never are.
    params.flags &= ~IORING_SETUP_SUBMIT_ALL;
    ret = io_uring_queue_init_params(kSqEntries, &ring_, &params);
  }
  if (ret < 0) {
    *error = std::string("io_uring_setup failed: ") + strerror(-ret);
    return false;
  }
  ringReady_ = true;
  // NODROP: a full CQ never loses a completion. EXT_ARG: the timed wait
  // and the submission share one io_uring_enter.
  const unsigned needed = IORING_FEAT_NODROP | IORING_FEAT_EXT_ARG;
  if ((params.features & needed) != needed) {
    *error = "io_uring lacks IORING_FEAT_NODROP or IORING_FEAT_EXT_ARG (kernel older than 5.11)";
    return false;
  }
  io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
  const bool pollSupported = probe != nullptr &&
                             io_uring_opcode_supported(probe, IORING_OP_POLL_ADD) &&
                             io_uring_opcode_supported(probe, IORING_OP_POLL_REMOVE);
  if (probe != nullptr) io_uring_free_probe(probe);
  if (!pollSupported) {
    *error = "io_uring does not support POLL_ADD/POLL_REMOVE here";
    return false;
  }
  return true;
}

Timestamp UringPoller::poll(int timeoutMs, ChannelList* activeChannels) {
  assertInLoopThread();
  for (int index : dirty_) armOrCancel(index);
  dirty_.clear();
  submitAndWait(timeoutMs);
  const Timestamp now = Timestamp::now();
  reap(activeChannels);
  return now;
}

void UringPoller::submitAndWait(int timeoutMs) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    int ret;
    if (timeoutMs == 0) {
      // A spin: submit what is pending, and enter only when there is
      // something to submit or overflowed completions to fetch.
      if (io_uring_sq_ready(&ring_) > 0) {
        ret = io_uring_submit(&ring_);
      } else if (io_uring_cq_has_overflow(&ring_)) {
        ret = io_uring_get_events(&ring_);
      } else {
        return;
      }
    } else {
      __kernel_timespec ts;
      ts.tv_sec = timeoutMs / 1000;
      ts.tv_nsec = static_cast<long long>(timeoutMs % 1000) * 1000 * 1000;
      io_uring_cqe* cqe = nullptr;
      ret =
          io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, timeoutMs < 0 ? nullptr : &ts, nullptr);
    }
    if (ret >= 0 || ret == -ETIME || ret == -EINTR) return;
    if (ret == -EBUSY || ret == -EAGAIN) {
      // The CQ overflowed (or the kernel is short of memory): the caller
      // reaps what is there; a second try submits the rest without waiting.
      timeoutMs = 0;
      if (io_uring_cq_ready(&ring_) > 0) return;
      continue;
    }
    errno = -ret;
    LOG_SYSERR << "UringPoller::poll()";
    return;
  }
}

void UringPoller::reap(ChannelList* activeChannels) {
  unsigned head;
  unsigned seen = 0;
  io_uring_cqe* cqe;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    ++seen;
    const uint64_t data = cqe->user_data;
    if (data == kInternalUserData) continue;
    const auto index = static_cast<uint32_t>(data);
    const auto generation = static_cast<uint32_t>(data >> 32);
    if (index >= slots_.size()) continue;
    Slot& slot = slots_[index];
    // A request of a removed channel, or one replaced by an interest change.
    if (slot.channel == nullptr || slot.generation != generation || !slot.armed) continue;
    const bool more = (cqe->flags & IORING_CQE_F_MORE) != 0;
    if (!more) {
      slot.armed = false;
      slot.multishot = false;
    }
    int revents;
    if (cqe->res < 0) {
      // The poll could not be armed (a bad fd): say so once and leave the
      // slot unarmed until the owner changes its interest or removes it.
      errno = -cqe->res;
      LOG_SYSERR << "UringPoller poll fd=" << slot.channel->fd();
      revents = POLLERR | (cqe->res == -EBADF ? POLLNVAL : 0);
    } else {
      revents = cqe->res & (slot.channel->events() | kAlwaysReported);
      if (revents == 0) {
        // Only a bit the kernel adds on its own (RDHUP): re-arming one-shot
        // would complete at once again, so wait for an edge instead.
        if (!more) {
          slot.edgeOnly = true;
          markDirty(static_cast<int>(index));
        }
        continue;
      }
      if (!more) markDirty(static_cast<int>(index));
    }
    slot.channel->setRevents(revents);
    activeChannels->push_back(slot.channel);
  }
  io_uring_cq_advance(&ring_, seen);
}

void UringPoller::updateChannel(Channel* channel) {
  assertInLoopThread();
  int index = channel->index();
  if (index < 0) {
    if (channel->isNoneEvent()) return;
    if (freeSlots_.empty()) {
      index = static_cast<int>(slots_.size());
      slots_.emplace_back();
    } else {
      index = freeSlots_.back();
      freeSlots_.pop_back();
    }
    slots_[index].channel = channel;
    channel->setIndex(index);
  } else if (channel->isNoneEvent()) {
    releaseSlot(index);
    channel->setIndex(-1);
    return;
  }
  assert(slots_[index].channel == channel);
  markDirty(index);
}

void UringPoller::removeChannel(Channel* channel) {
  assertInLoopThread();
  assert(channel->isNoneEvent());
  const int index = channel->index();
  if (index >= 0) {
    assert(slots_[index].channel == channel);
    releaseSlot(index);
  }
  channel->setIndex(-1);
}

bool UringPoller::hasChannel(Channel* channel) const {
  const int index = channel->index();
  return index >= 0 && static_cast<size_t>(index) < slots_.size() &&
         slots_[index].channel == channel;
}

io_uring_sqe* UringPoller::getSqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {
    // More changes than SQ entries in one iteration: flush and go on.
    const int ret = io_uring_submit(&ring_);
    if (ret < 0) {
      errno = -ret;
      LOG_SYSERR << "UringPoller io_uring_submit";
    }
    sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) LOG_FATAL << "UringPoller: no SQE after a submit";
  }
  return sqe;
}

void UringPoller::markDirty(int index) {
  Slot& slot = slots_[index];
  if (slot.dirty) return;
  slot.dirty = true;
  dirty_.push_back(index);
}

void UringPoller::armOrCancel(int index) {
  Slot& slot = slots_[index];
  slot.dirty = false;
  if (slot.channel == nullptr) return;  // released since it was marked
  const int wanted = slot.channel->events();
  if (slot.armed) {
    if (slot.armedEvents == wanted) return;
    cancelArmed(&slot);
    slot.edgeOnly = false;
  }
  if (wanted == 0) return;
  io_uring_sqe* sqe = getSqe();
  const auto mask = static_cast<unsigned>(wanted);
  if (slot.edgeOnly) {
    io_uring_prep_poll_multishot(sqe, slot.channel->fd(), mask);
    slot.multishot = true;
  } else {
    io_uring_prep_poll_add(sqe, slot.channel->fd(), mask);
  }
  io_uring_sqe_set_data64(sqe, userData(index, slot.generation));
  slot.armed = true;
  slot.armedEvents = wanted;
}

void UringPoller::cancelArmed(Slot* slot) {
  const auto index = static_cast<int>(slot - slots_.data());
  io_uring_sqe* sqe = getSqe();
  io_uring_prep_poll_remove(sqe, userData(index, slot->generation));
  io_uring_sqe_set_data64(sqe, kInternalUserData);
  // Whatever the old request still reports is stale from here on.
  ++slot->generation;
  slot->armed = false;
  slot->multishot = false;
}

void UringPoller::releaseSlot(int index) {
  Slot& slot = slots_[index];
  if (slot.armed) {
    cancelArmed(&slot);
    // Now, not with the next poll(): the armed poll holds the socket's file.
    const int ret = io_uring_submit(&ring_);
    if (ret < 0) {
      errno = -ret;
      LOG_SYSERR << "UringPoller io_uring_submit (remove)";
    }
  }
  ++slot.generation;
  slot.channel = nullptr;
  slot.edgeOnly = false;
  freeSlots_.push_back(index);
}

}  // namespace muduo::net
