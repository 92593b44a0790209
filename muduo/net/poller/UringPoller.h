// UringPoller: readiness through io_uring poll requests, level-triggered like
// EPollPoller, with one io_uring_enter per loop iteration.
//
// Internal to muduo/net; used only in its EventLoop's thread. Selected by
// MUDUO_USE_URING in the environment (see Poller::newDefaultPoller); create()
// fails cleanly where io_uring is unavailable (io_uring_disabled, seccomp, an
// old kernel) and the caller falls back to epoll.
//
// How it saves syscalls: updateChannel() only records the change. poll()
// turns every pending change into SQEs (POLL_ADD for new or re-armed
// interest, POLL_REMOVE for changed interest) and submits them together with
// the wait in a single io_uring_submit_and_wait_timeout. epoll pays one
// epoll_ctl per change plus the epoll_wait.
//
// Level triggering: each POLL_ADD is one-shot, and a one-shot poll reports the
// fd's readiness at the moment it is armed. Re-arming every fired channel in
// the next iteration's submission therefore reports an fd again while it stays
// ready, which TcpConnection and Acceptor rely on (they read or accept once
// per event). Multishot polls would be edge-triggered and lose that, so they
// are used only in the one case below.
//
// The kernel always adds EPOLLRDHUP (and HUP/ERR) to a poll's mask. A channel
// that did not ask for RDHUP (say, only POLLOUT) on a half-closed socket would
// then complete at once on every re-arm and spin. When a completion carries
// nothing the channel asked for, the slot is re-armed as a multishot poll,
// which reports only new wake-ups (the edge of POLLOUT when the peer's ACKs
// free space), until its interest changes.
//
// Stale completions: a CQE names its slot and the slot's generation in
// user_data. Removing a channel, or changing its interest, bumps the
// generation, so a completion of the old request that arrives later (cancelled
// or already fired) is recognised and dropped; it never touches a Channel.
// Slots are reused through a free list; Channel::index() holds the slot.
//
// Removals are submitted at once (one io_uring_enter per removed channel, as
// epoll pays one epoll_ctl DEL): an armed poll holds a reference to the
// socket's file, so deferring the cancel would defer the FIN of a closed
// connection to the next iteration.
//
// CQ overflow: the ring is created with a CQ four times the SQ and requires
// IORING_FEAT_NODROP, so the kernel keeps overflowed completions and hands
// them over on the next enter instead of dropping them; a submit that returns
// EBUSY reaps completions first and retries.
//
// Next step (completion-based I/O, not started here): multishot recv with a
// provided-buffer ring and sends through the ring need TcpConnection to stop
// calling read/write itself: a "bytes arrived in buffer N" callback that
// appends into its input Buffer and returns the buffer to the ring, an output
// path that hands the Buffer's readable span to the poller and keeps it
// pinned (no append that reallocates) until the send's CQE, and shutdown /
// close ordered after the in-flight send and recv CQEs. That is an interface
// between TcpConnection and the poller that Poller does not have yet.
#ifndef MUDUO_NET_POLLER_URINGPOLLER_H_
#define MUDUO_NET_POLLER_URINGPOLLER_H_

#include <liburing.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "muduo/net/Poller.h"

namespace muduo::net {

class UringPoller final : public Poller {
 public:
  // Returns null and sets *error when io_uring cannot be used here.
  static std::unique_ptr<UringPoller> create(EventLoop* loop, std::string* error);
  ~UringPoller() override;

  Timestamp poll(int timeoutMs, ChannelList* activeChannels) override;
  void updateChannel(Channel* channel) override;
  void removeChannel(Channel* channel) override;
  [[nodiscard]] bool hasChannel(Channel* channel) const override;

 private:
  struct Slot {
    Channel* channel = nullptr;  // null when free
    uint32_t generation = 0;
    int armedEvents = 0;     // the interest of the poll in flight, 0 if none
    bool armed = false;      // a poll request of this generation is in flight
    bool multishot = false;  // armed as multishot (see the header comment)
    bool edgeOnly = false;   // last completion had nothing asked for
    bool dirty = false;      // on dirty_
  };

  explicit UringPoller(EventLoop* loop);
  bool init(std::string* error);

  io_uring_sqe* getSqe();
  void markDirty(int index);
  void armOrCancel(int index);
  void cancelArmed(Slot* slot);
  void releaseSlot(int index);
  void submitAndWait(int timeoutMs);
  void reap(ChannelList* activeChannels);

  io_uring ring_{};
  bool ringReady_ = false;
  std::vector<Slot> slots_;  // loop thread only
  std::vector<int> freeSlots_;
  std::vector<int> dirty_;  // slots whose interest changed or whose poll fired
};

}  // namespace muduo::net

#endif  // MUDUO_NET_POLLER_URINGPOLLER_H_
