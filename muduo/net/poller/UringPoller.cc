#include "muduo/net/poller/UringPoller.h"

#include <errno.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include <atomic>
#include <cassert>
#include <cstdio>
#include <cstring>

#include "muduo/base/Logging.h"
#include "muduo/net/Channel.h"

namespace muduo::net {
namespace {

constexpr unsigned kSqEntries = 256;
// Every armed poll yields at most one completion and every cancel one more;
// room for four per SQ entry keeps overflow (handled, but slower) rare.
constexpr unsigned kCqEntries = 4 * kSqEntries;
// The completions of our own POLL_REMOVE and cancel requests; nothing to do
// with them.
constexpr uint64_t kInternalUserData = ~uint64_t{0};
// Bits the kernel reports whatever the interest; a channel always gets them.
constexpr int kAlwaysReported = POLLHUP | POLLERR | POLLNVAL;
constexpr int kReadEvents = POLLIN | POLLPRI;

// user_data: the request's kind in the top two bits, a 30-bit tag (the poll
// generation, or the slot's registration for recv and send), the slot index.
enum Kind : uint64_t { kPollKind = 0, kRecvKind = 1, kSendKind = 2 };
constexpr uint32_t kTagMask = (1u << 30) - 1;

uint64_t userData(Kind kind, int index, uint32_t tag) {
  return (uint64_t{kind} << 62) | (uint64_t{tag & kTagMask} << 32) | static_cast<uint32_t>(index);
}

// Provided buffers for multishot recv: 128 of 16 KiB (2 MiB of address
// space per loop, touched only as used). A 16 KiB message fits one buffer;
// a ring that runs dry ends the recv with -ENOBUFS, which is re-armed.
constexpr unsigned kBufCount = 128;
constexpr size_t kBufSize = 16 * 1024;
constexpr uint16_t kBufGroup = 0;
// In front of each buffer, bytes the kernel never gets: the prepend area of
// a Buffer that borrows the buffer (BufferLoan). A cache line, so the
// buffers the kernel writes stay aligned.
constexpr size_t kLendGap = 64;
static_assert(kLendGap >= Buffer::kCheapPrepend);
constexpr size_t kBufStride = kLendGap + kBufSize;

// Multishot recv came in 6.0 (buffer rings in 5.19); the opcode probe cannot
// tell, so the kernel release is read.
bool kernelAtLeast(int major, int minor) {
  utsname name;
  if (::uname(&name) != 0) return false;
  int haveMajor = 0;
  int haveMinor = 0;
  if (sscanf(name.release, "%d.%d", &haveMajor, &haveMinor) != 2) return false;
  return haveMajor > major || (haveMajor == major && haveMinor >= minor);
}

}  // namespace

std::unique_ptr<UringPoller> UringPoller::create(EventLoop* loop, bool completion,
                                                 std::string* error) {
  std::unique_ptr<UringPoller> poller(new UringPoller(loop));
  if (!poller->init(error)) return nullptr;
  if (completion) {
    std::string why;
    if (!poller->initCompletion(&why)) {
      // Every loop of the process would say the same; once is enough.
      static std::atomic<bool> warned{false};
      if (!warned.exchange(true)) {
        LOG_WARN << "MUDUO_USE_URING=io: " << why << "; io_uring in readiness mode";
      }
    }
  }
  return poller;
}

UringPoller::UringPoller(EventLoop* loop) : Poller(loop) {}

UringPoller::~UringPoller() {
  // Exiting the ring cancels every request still armed; the buffer ring's
  // pages were pinned at registration and are released with the ring.
  if (ringReady_) io_uring_queue_exit(&ring_);
  if (bufRing_ != nullptr) ::munmap(bufRing_, bufMapBytes_);
}

bool UringPoller::init(std::string* error) {
  // Only this loop's thread submits and waits, so the kernel may run the
  // completion work of our requests (a multishot recv's receive, say) in
  // that thread when it next waits (DEFER_TASKRUN), not the moment the
  // network stack wakes the request: no interrupt (an IPI when the waking
  // softirq runs on another core) stops the loop in user space to run it,
  // and the receive no longer meets the waking core still holding the
  // socket's lock. The completions of a wait are posted in one batch.
  // TASKRUN_FLAG marks the SQ ring when such work is waiting, so a
  // zero-timeout poll knows to enter (submitAndWait). Older kernels get the
  // flags they have: DEFER_TASKRUN is 6.1+, SUBMIT_ALL 5.18+.
  constexpr unsigned kBase = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
  constexpr unsigned kDeferred =
      IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  const unsigned attempts[] = {kBase | IORING_SETUP_SUBMIT_ALL | kDeferred,
                               kBase | IORING_SETUP_SUBMIT_ALL, kBase};
  io_uring_params params;
  int ret = -EINVAL;
  for (unsigned flags : attempts) {
    memset(&params, 0, sizeof params);
    params.flags = flags;
    params.cq_entries = kCqEntries;
    ret = io_uring_queue_init_params(kSqEntries, &ring_, &params);
    if (ret != -EINVAL) break;
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

bool UringPoller::initCompletion(std::string* error) {
  if (!kernelAtLeast(6, 0)) {
    *error = "multishot recv needs Linux 6.0";
    return false;
  }
  io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
  const bool supported = probe != nullptr && io_uring_opcode_supported(probe, IORING_OP_RECV) &&
                         io_uring_opcode_supported(probe, IORING_OP_SEND) &&
                         io_uring_opcode_supported(probe, IORING_OP_ASYNC_CANCEL);
  if (probe != nullptr) io_uring_free_probe(probe);
  if (!supported) {
    *error = "io_uring does not support RECV/SEND/ASYNC_CANCEL here";
    return false;
  }
  const size_t ringBytes = kBufCount * sizeof(io_uring_buf);  // a page-aligned header
  bufMapBytes_ = ringBytes + kBufCount * kBufStride;
  void* mem =
      ::mmap(nullptr, bufMapBytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    *error = std::string("mmap of the receive buffers failed: ") + strerror(errno);
    return false;
  }
  bufRing_ = static_cast<io_uring_buf_ring*>(mem);
  bufBase_ = static_cast<char*>(mem) + ringBytes;
  io_uring_buf_ring_init(bufRing_);
  io_uring_buf_reg reg;
  memset(&reg, 0, sizeof reg);
  reg.ring_addr = reinterpret_cast<uintptr_t>(bufRing_);
  reg.ring_entries = kBufCount;
  reg.bgid = kBufGroup;
  const int ret = io_uring_register_buf_ring(&ring_, &reg, 0);
  if (ret < 0) {
    *error = std::string("io_uring_register_buf_ring failed: ") + strerror(-ret);
    ::munmap(bufRing_, bufMapBytes_);
    bufRing_ = nullptr;
    return false;
  }
  for (unsigned i = 0; i < kBufCount; ++i) recycle(static_cast<uint16_t>(i));
  publishRecycled();
  lent_.reserve(kBufCount);
  holding_.reserve(kBufCount);
  completion_ = true;
  return true;
}

Timestamp UringPoller::poll(int timeoutMs, ChannelList* activeChannels) {
  assertInLoopThread();
  if (!holding_.empty()) settleHeld();
  for (;;) {
    for (int index : dirty_) armOrCancel(index);
    dirty_.clear();
    sendsTaken_ = 0;
    // Channels reported by settleHeld() are ready now: no waiting for more.
    submitAndWait(reported_.empty() ? timeoutMs : 0);
    const Timestamp now = Timestamp::now();
    reap(activeChannels, now);
    // A reply's send completes in the submission that carries it, so the
    // wait returns at once; when its connection took it (SentWhole) and
    // nothing else came, the loop would make a pass for nothing: wait on.
    // (Each wait may take the whole timeout again; the loop's timers are
    // channels, so none fires late.)
    if (!activeChannels->empty() || sendsTaken_ == 0 || timeoutMs == 0) return now;
  }
}

void UringPoller::submitAndWait(int timeoutMs) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    int ret;
    if (timeoutMs == 0) {
      // A spin: submit what is pending, and enter only when there is
      // something to submit or overflowed completions to fetch.
      if (io_uring_sq_ready(&ring_) > 0) {
        ret = io_uring_submit(&ring_);
      } else if ((IO_URING_READ_ONCE(*ring_.sq.kflags) &
                  (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN)) != 0) {
        // Overflowed completions, or (DEFER_TASKRUN) completion work that
        // runs only when this thread enters with GETEVENTS.
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

char* UringPoller::bufferAddress(uint16_t bid) const {
  return bufBase_ + size_t{bid} * kBufStride + kLendGap;
}

void UringPoller::recycle(uint16_t bid) {
  io_uring_buf_ring_add(bufRing_, bufferAddress(bid), kBufSize, bid,
                        io_uring_buf_ring_mask(kBufCount), pendingRecycles_++);
}

void UringPoller::publishRecycled() {
  if (pendingRecycles_ == 0) return;
  io_uring_buf_ring_advance(bufRing_, pendingRecycles_);
  pendingRecycles_ = 0;
}

void UringPoller::appendHeld(Slot* slot) {
  slot->channel->receiveSink()->append(bufferAddress(static_cast<uint16_t>(slot->heldBid)),
                                       slot->heldBytes);
  recycle(static_cast<uint16_t>(slot->heldBid));
  slot->heldBid = -1;
}

void UringPoller::settleHeld() {
  // Lent for one iteration only (CompletionIo): every loan has ended.
  for (uint16_t bid : lent_) recycle(bid);
  lent_.clear();
  // Reported but not collected (a channel whose reading was stopped by an
  // earlier callback of the same iteration, say): into the sink, where the
  // owner finds them in order, and reported again. An owner that started
  // reading again meanwhile saw an empty input buffer and offers nothing
  // again on its own, and no new completion may ever come.
  for (int index : holding_) {
    Slot& slot = slots_[index];
    if (slot.heldBid < 0) continue;
    appendHeld(&slot);
    report(index, POLLIN);
  }
  holding_.clear();
  publishRecycled();
}

void UringPoller::reap(ChannelList* activeChannels, Timestamp now) {
  unsigned head;
  unsigned seen = 0;
  io_uring_cqe* cqe;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    ++seen;
    const uint64_t data = cqe->user_data;
    if (data == kInternalUserData) continue;
    const auto index = static_cast<uint32_t>(data);
    const auto tag = static_cast<uint32_t>(data >> 32) & kTagMask;
    if (index >= slots_.size()) continue;
    switch (data >> 62) {
      case kPollKind:
        reapPoll(static_cast<int>(index), tag, cqe);
        break;
      case kRecvKind:
        reapRecv(static_cast<int>(index), tag, cqe);
        break;
      case kSendKind:
        reapSend(static_cast<int>(index), tag, cqe, now);
        break;
      default:
        break;
    }
  }
  io_uring_cq_advance(&ring_, seen);
  publishRecycled();
  // One entry per channel, whatever number of completions it had.
  for (int index : reported_) {
    Slot& slot = slots_[index];
    slot.channel->setRevents(slot.reportedRevents);
    slot.reportedRevents = 0;
    activeChannels->push_back(slot.channel);
  }
  reported_.clear();
}

void UringPoller::report(int index, int revents) {
  Slot& slot = slots_[index];
  if (slot.reportedRevents == 0) reported_.push_back(index);
  slot.reportedRevents |= revents;
}

void UringPoller::reapPoll(int index, uint32_t tag, const io_uring_cqe* cqe) {
  Slot& slot = slots_[index];
  // A request of a removed channel, or one replaced by an interest change.
  if (slot.channel == nullptr || (slot.generation & kTagMask) != tag || !slot.armed) return;
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
    revents = cqe->res & (slot.armedEvents | kAlwaysReported);
    if (revents == 0) {
      // Only a bit the kernel adds on its own (RDHUP): re-arming one-shot
      // would complete at once again, so wait for an edge instead.
      if (!more) {
        slot.edgeOnly = true;
        markDirty(index);
      }
      return;
    }
    if (!more) markDirty(index);
  }
  report(index, revents);
}

void UringPoller::reapRecv(int index, uint32_t tag, const io_uring_cqe* cqe) {
  Slot& slot = slots_[index];
  const bool current = slot.channel != nullptr && (slot.registration & kTagMask) == tag;
  const int res = cqe->res;
  if ((cqe->flags & IORING_CQE_F_BUFFER) != 0) {
    const auto bid = static_cast<uint16_t>(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
    if (current && res > 0) {
      slot.recvBytes += static_cast<size_t>(res);
      report(index, POLLIN);
      if (slot.heldBid < 0) {
        // Kept for the owner to read in place (takeReceived lends it).
        slot.heldBid = bid;
        slot.heldBytes = static_cast<size_t>(res);
        holding_.push_back(index);
      } else {
        // A second completion before the owner ran: both into the sink,
        // in order, and both buffers back to the ring.
        appendHeld(&slot);
        slot.channel->receiveSink()->append(bufferAddress(bid), static_cast<size_t>(res));
        recycle(bid);
      }
    } else {
      recycle(bid);  // published with the rest after this reap
    }
  }
  if ((cqe->flags & IORING_CQE_F_MORE) != 0) return;
  // The request is over.
  --slot.inFlightOps;
  slot.recvArmed = false;
  slot.recvCancelling = false;
  if (!current) {
    freeIfIdle(index);
    return;
  }
  if (res == 0) {
    slot.recvEnd = kEof;
  } else if (res < 0 && res != -ENOBUFS && res != -ECANCELED && res != -EAGAIN && res != -EINTR) {
    slot.recvEnd = res;
  }
  if (slot.recvEnd != 0) {
    // RDHUP too: a channel whose reading is paused closes on it.
    report(index, POLLIN | POLLRDHUP);
  } else {
    markDirty(index);  // re-armed with the next submission while wanted
  }
}

void UringPoller::reapSend(int index, uint32_t tag, const io_uring_cqe* cqe, Timestamp now) {
  Slot& slot = slots_[index];
  --slot.inFlightOps;
  const bool current = slot.channel != nullptr && (slot.registration & kTagMask) == tag;
  if (!current) {
    slot.sendBuffer.retrieveAll();
    slot.sendInFlight = false;
    freeIfIdle(index);
    return;
  }
  const int res = cqe->res;
  if (res > 0) {
    slot.sendBuffer.retrieve(static_cast<size_t>(res));
    slot.sentBytes += static_cast<size_t>(res);
    if (slot.sendBuffer.readableBytes() > 0) {
      armSend(index);  // a short send goes on from where it stopped
    } else {
      slot.sendInFlight = false;
      if (slot.sentWhole != nullptr && slot.sentWhole(slot.sentWholeContext, slot.sentBytes, now)) {
        slot.sentBytes = 0;
        ++sendsTaken_;
        return;
      }
    }
  } else if (res == -EAGAIN || res == -EINTR) {
    armSend(index);
    return;
  } else {
    slot.sendError = res == 0 ? EPIPE : -res;
    slot.sendBuffer.retrieveAll();
    slot.sendInFlight = false;
  }
  report(index, POLLOUT);
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
  } else if (channel->isNoneEvent() && !(completion_ && channel->receiveSink() != nullptr)) {
    releaseSlot(index);
    channel->setIndex(-1);
    return;
  }
  // A receiving channel keeps its slot, and so its registration, until it
  // is removed: interest passes through none on the way from reading to
  // watching RDHUP (Channel::disableReading, then enableWatchingPeerHalfClose),
  // and bytes its cancelled recv still delivers must reach the sink, not be
  // dropped as stale.
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
  int wanted = slot.channel->events();
  if (completion_ && slot.channel->receiveSink() != nullptr) {
    // Reading is the recv's job; the poll covers the rest (RDHUP, POLLOUT).
    const bool recvWanted = (wanted & kReadEvents) != 0 && slot.recvEnd == 0;
    wanted &= ~kReadEvents;
    if (recvWanted && !slot.recvArmed) {
      armRecv(index);
    } else if (!recvWanted && slot.recvArmed && !slot.recvCancelling) {
      // Bytes that arrive before the cancel lands still go to the sink.
      cancelRequest(userData(kRecvKind, index, slot.registration));
      slot.recvCancelling = true;
    }
  }
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
  io_uring_sqe_set_data64(sqe, userData(kPollKind, index, slot.generation));
  slot.armed = true;
  slot.armedEvents = wanted;
}

void UringPoller::cancelArmed(Slot* slot) {
  const auto index = static_cast<int>(slot - slots_.data());
  io_uring_sqe* sqe = getSqe();
  io_uring_prep_poll_remove(sqe, userData(kPollKind, index, slot->generation));
  io_uring_sqe_set_data64(sqe, kInternalUserData);
  // Whatever the old request still reports is stale from here on.
  ++slot->generation;
  slot->armed = false;
  slot->multishot = false;
}

void UringPoller::releaseSlot(int index) {
  Slot& slot = slots_[index];
  bool cancelled = false;
  if (slot.armed) {
    cancelArmed(&slot);
    cancelled = true;
  }
  if (slot.recvArmed && !slot.recvCancelling) {
    cancelRequest(userData(kRecvKind, index, slot.registration));
    slot.recvCancelling = true;
    cancelled = true;
  }
  if (slot.sendInFlight) {
    cancelRequest(userData(kSendKind, index, slot.registration));
    cancelled = true;
  }
  if (cancelled) {
    // Now, not with the next poll(): an armed request holds the socket's
    // file (a listening socket closed by the caller would still accept).
    // GETEVENTS too: under DEFER_TASKRUN the cancelled requests let go of
    // the file only in completion work that runs when this thread enters
    // for events; their completions wait in the CQ for the next reap.
    const int ret = io_uring_submit_and_get_events(&ring_);
    if (ret < 0) {
      errno = -ret;
      LOG_SYSERR << "UringPoller io_uring_submit (remove)";
    }
  }
  if (slot.heldBid >= 0) {
    // Received but never collected: they go with the channel.
    recycle(static_cast<uint16_t>(slot.heldBid));
    publishRecycled();
    slot.heldBid = -1;
  }
  ++slot.generation;
  ++slot.registration;
  slot.channel = nullptr;
  slot.edgeOnly = false;
  slot.recvEnd = 0;
  slot.recvBytes = 0;
  slot.sentBytes = 0;
  slot.sendError = 0;
  slot.sentWhole = nullptr;
  slot.sentWholeContext = nullptr;
  slot.released = true;
  freeIfIdle(index);
}

void UringPoller::freeIfIdle(int index) {
  Slot& slot = slots_[index];
  // The kernel may still read the send buffer or write a recv's CQE tagged
  // with this slot: reuse waits until the last of them is in.
  if (!slot.released || slot.inFlightOps > 0) return;
  slot.released = false;
  slot.sendInFlight = false;
  slot.sendBuffer.retrieveAll();
  freeSlots_.push_back(index);
}

void UringPoller::armRecv(int index) {
  Slot& slot = slots_[index];
  io_uring_sqe* sqe = getSqe();
  io_uring_prep_recv_multishot(sqe, slot.channel->fd(), nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kBufGroup;
  io_uring_sqe_set_data64(sqe, userData(kRecvKind, index, slot.registration));
  slot.recvArmed = true;
  ++slot.inFlightOps;
}

void UringPoller::armSend(int index) {
  Slot& slot = slots_[index];
  io_uring_sqe* sqe = getSqe();
  io_uring_prep_send(sqe, slot.channel->fd(), slot.sendBuffer.peek(),
                     slot.sendBuffer.readableBytes(), MSG_NOSIGNAL | MSG_WAITALL);
  io_uring_sqe_set_data64(sqe, userData(kSendKind, index, slot.registration));
  ++slot.inFlightOps;
}

void UringPoller::cancelRequest(uint64_t userData) {
  io_uring_sqe* sqe = getSqe();
  io_uring_prep_cancel64(sqe, userData, 0);
  io_uring_sqe_set_data64(sqe, kInternalUserData);
}

void UringPoller::startSend(Channel* channel, Buffer* output, SentWhole sentWhole, void* context) {
  debugAssertInLoopThread();
  assert(completion_);
  const int index = channel->index();
  assert(index >= 0 && slots_[index].channel == channel);
  Slot& slot = slots_[index];
  assert(!slot.sendInFlight && slot.sendBuffer.readableBytes() == 0);
  // The slot's (empty) storage goes back to the caller: the two buffers
  // take turns, and neither is reallocated in steady state.
  slot.sendBuffer.swap(*output);
  slot.sendInFlight = true;
  slot.sentWhole = sentWhole;
  slot.sentWholeContext = context;
  armSend(index);
}

CompletionIo::Sent UringPoller::takeSent(Channel* channel) {
  debugAssertInLoopThread();
  Sent sent;
  const int index = channel->index();
  if (index < 0 || slots_[index].channel != channel) return sent;
  Slot& slot = slots_[index];
  sent.bytes = slot.sentBytes;
  sent.inFlight = slot.sendInFlight;
  sent.error = slot.sendError;
  slot.sentBytes = 0;
  slot.sendError = 0;
  return sent;
}

CompletionIo::Received UringPoller::takeReceived(Channel* channel) {
  debugAssertInLoopThread();
  Received received;
  const int index = channel->index();
  if (index < 0 || slots_[index].channel != channel) return received;
  Slot& slot = slots_[index];
  received.bytes = slot.recvBytes;
  received.end = slot.recvEnd;
  slot.recvBytes = 0;
  if (slot.heldBid >= 0) {
    received.lent = bufferAddress(static_cast<uint16_t>(slot.heldBid));
    received.lentBytes = slot.heldBytes;
    lent_.push_back(static_cast<uint16_t>(slot.heldBid));
    slot.heldBid = -1;
  }
  return received;
}

}  // namespace muduo::net
