// UringPoller: readiness through io_uring poll requests, level-triggered like
// EPollPoller, with one io_uring_enter per loop iteration (in completion
// mode, one more when a wait returned only sends their connections took).
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
// Completion work runs in the loop's thread when it waits (SINGLE_ISSUER +
// DEFER_TASKRUN, Linux 6.1+; older kernels run without them): the kernel
// neither interrupts the loop to finish a request nor posts completions
// between waits. So the ring must be created, submitted to and waited on by
// the loop's thread only (EventLoop makes its poller in its own thread); a
// zero-timeout poll enters the kernel when the SQ ring's TASKRUN flag says
// work is waiting, and a removal enters with GETEVENTS so its cancels let go
// of the socket's file at once.
//
// CQ overflow: the ring is created with a CQ four times the SQ and requires
// IORING_FEAT_NODROP, so the kernel keeps overflowed completions and hands
// them over on the next enter instead of dropping them; a submit that returns
// EBUSY reaps completions first and retries.
//
// Completion mode (MUDUO_USE_URING=io; see CompletionIo): a channel with a
// receive sink keeps one multishot IORING_OP_RECV armed instead of a POLLIN
// poll. The recv picks buffers from a provided-buffer ring. reap() keeps a
// channel's first completion of the iteration in its buffer, which
// takeReceived() lends to the owner to read in place (each buffer has a
// Buffer prepend area in front that the kernel never writes) and the next
// poll() returns to the ring; a second completion for the same channel
// sends both to the sink (copied) and their buffers back at once, and so
// does the next poll() for bytes the owner did not collect. So the ring
// never holds data beyond the iteration that received it. A recv that ends
// (no IORING_CQE_F_MORE: -ENOBUFS when the ring ran dry, or the kernel
// stopping a multishot) is re-armed in the next submission while read
// interest lasts; EOF and errors end it for good and are handed to the owner.
// Sends are IORING_OP_SEND over a Buffer the slot holds, so it stays alive
// and unchanged until the completion even when the channel is gone first;
// MSG_WAITALL has the kernel go on after a short send itself (a short
// completion, after an error, is continued from the slot). A send that
// completed whole goes to the owner's SentWhole hook first (CompletionIo). All SQEs prepared in an
// iteration go to the kernel in the same io_uring_enter as the wait.
//
// Completions of recv and send requests carry the slot's registration
// number, which changes when the channel leaves: late ones (after a cancel)
// recycle their buffer and are otherwise dropped. A released slot is reused
// only once every recv and send request on it has completed, so the kernel
// never reads a slot's send buffer after a new owner got it.
//
// Completion mode needs multishot recv and registered buffer rings (Linux
// 6.0); where they are missing, create() logs one WARN and runs in readiness
// mode.
#ifndef MUDUO_NET_POLLER_URINGPOLLER_H_
#define MUDUO_NET_POLLER_URINGPOLLER_H_

#include <liburing.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "muduo/net/Buffer.h"
#include "muduo/net/CompletionIo.h"
#include "muduo/net/Poller.h"

namespace muduo::net {

class UringPoller final : public Poller, public CompletionIo {
 public:
  // Returns null and sets *error when io_uring cannot be used here. With
  // `completion`, also sets up completion-based I/O, or warns once and goes
  // without it.
  static std::unique_ptr<UringPoller> create(EventLoop* loop, bool completion, std::string* error);
  ~UringPoller() override;

  Timestamp poll(int timeoutMs, ChannelList* activeChannels) override;
  void updateChannel(Channel* channel) override;
  void removeChannel(Channel* channel) override;
  [[nodiscard]] bool hasChannel(Channel* channel) const override;
  [[nodiscard]] CompletionIo* completionIo() override { return completion_ ? this : nullptr; }

  void startSend(Channel* channel, Buffer* output, SentWhole sentWhole, void* context) override;
  [[nodiscard]] Sent takeSent(Channel* channel) override;
  [[nodiscard]] Received takeReceived(Channel* channel) override;

 private:
  struct Slot {
    Channel* channel = nullptr;  // null when free
    uint32_t generation = 0;
    int armedEvents = 0;     // the interest of the poll in flight, 0 if none
    bool armed = false;      // a poll request of this generation is in flight
    bool multishot = false;  // armed as multishot (see the header comment)
    bool edgeOnly = false;   // last completion had nothing asked for
    bool dirty = false;      // on dirty_
    // Completion mode. `registration` tags recv and send requests; it
    // changes when the channel leaves (interest changes keep it).
    uint32_t registration = 0;
    int inFlightOps = 0;     // recv and send requests the kernel holds
    bool released = false;   // channel gone; freed once inFlightOps is 0
    bool recvArmed = false;  // a multishot recv is in flight
    bool recvCancelling = false;
    int recvEnd = 0;       // CompletionIo::Received::end, kept until taken
    size_t recvBytes = 0;  // appended to the sink, not yet taken
    int heldBid = -1;      // a received buffer kept for takeReceived(), or -1
    size_t heldBytes = 0;  // its bytes (counted in recvBytes)
    bool sendInFlight = false;
    size_t sentBytes = 0;  // not yet taken
    int sendError = 0;
    Buffer sendBuffer;              // the bytes of the send in flight
    SentWhole sentWhole = nullptr;  // the owner's hook for this send
    void* sentWholeContext = nullptr;
    int reportedRevents = 0;  // gathered in reap(); on reported_
  };

  explicit UringPoller(EventLoop* loop);
  bool init(std::string* error);
  bool initCompletion(std::string* error);

  io_uring_sqe* getSqe();
  void markDirty(int index);
  void armOrCancel(int index);
  void cancelArmed(Slot* slot);
  void releaseSlot(int index);
  void submitAndWait(int timeoutMs);
  void reap(ChannelList* activeChannels, Timestamp now);
  void reapPoll(int index, uint32_t tag, const io_uring_cqe* cqe);
  void reapRecv(int index, uint32_t tag, const io_uring_cqe* cqe);
  void reapSend(int index, uint32_t tag, const io_uring_cqe* cqe, Timestamp now);
  void report(int index, int revents);
  void armRecv(int index);
  void armSend(int index);
  void cancelRequest(uint64_t userData);
  void freeIfIdle(int index);
  [[nodiscard]] char* bufferAddress(uint16_t bid) const;
  // Queues a provided buffer's return to the ring; publishRecycled() hands
  // the kernel all queued so far with one store.
  void recycle(uint16_t bid);
  void publishRecycled();
  // The slot's held buffer into its sink, and the buffer back to the ring.
  void appendHeld(Slot* slot);
  // Before a poll: lent buffers back to the ring, held ones into the sinks.
  void settleHeld();

  io_uring ring_{};
  bool ringReady_ = false;
  std::vector<Slot> slots_;  // loop thread only
  std::vector<int> freeSlots_;
  std::vector<int> dirty_;     // slots whose interest changed or whose poll fired
  std::vector<int> reported_;  // slots with events gathered in this reap()
  // Completion mode: the provided-buffer ring and the buffers it hands out
  // (one mapping; the ring header first).
  bool completion_ = false;
  io_uring_buf_ring* bufRing_ = nullptr;
  char* bufBase_ = nullptr;
  size_t bufMapBytes_ = 0;
  int pendingRecycles_ = 0;     // added to the ring, not yet published
  std::vector<int> holding_;    // slots that held a buffer this iteration
  std::vector<uint16_t> lent_;  // lent by takeReceived() in this iteration
  int sendsTaken_ = 0;          // by their SentWhole hooks in the last reap()
};

}  // namespace muduo::net

#endif  // MUDUO_NET_POLLER_URINGPOLLER_H_
