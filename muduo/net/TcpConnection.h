// TcpConnection: one established TCP connection, for both servers and clients.
//
// The only class in muduo/net owned by shared_ptr: the user, the owning
// TcpServer/TcpClient and in-flight callbacks may all hold it, and it lives
// until the last of them lets go. It owns its socket, its Channel and its
// input and output Buffers.
//
// Thread contract: the connection belongs to one EventLoop (getLoop()); all
// callbacks run in that loop's thread. send(), shutdown(), forceClose(),
// forceCloseWithDelay(), startRead(), stopRead() and the accessors marked
// "any thread" may be called from any thread; everything else is loop
// thread only.
//
// Every connection has an output budget (ConnectionOptions): past its
// high-water mark it stops reading, and protocols stop taking requests out
// of the input buffer, until the peer has read enough. While reading is
// paused, by the budget or by stopRead(), the connection still notices the
// peer closing or resetting, so a paused connection never outlives its peer.
// A FIN from the peer ends the connection, as a read of 0 bytes always has
// (half-open connections are not kept), and unread requests go with it.
//
// On a loop whose poller offers completion-based I/O (MUDUO_USE_URING=io,
// see CompletionIo) the connection does not read or write the socket
// itself: the poller receives into the input buffer, or lends its own
// receive buffer to the input buffer for the message callback to read in
// place (BufferLoan), and queued output is
// handed to the poller as one send at a time, whose bytes count as queued
// output until the kernel has taken them. Everything above (callbacks,
// ordering, the budget, shutdown after the last byte) behaves the same.
#ifndef MUDUO_NET_TCPCONNECTION_H_
#define MUDUO_NET_TCPCONNECTION_H_

#include <sys/types.h>

#include <any>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "absl/functional/any_invocable.h"
#include "muduo/base/Timestamp.h"
#include "muduo/base/UniqueFd.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/Callbacks.h"
#include "muduo/net/ConnectionOptions.h"
#include "muduo/net/InetAddress.h"

namespace muduo::net {

class Channel;
class CompletionIo;
class EventLoop;
class Socket;

class TcpConnection : public std::enable_shared_from_this<TcpConnection> {
 public:
  static constexpr size_t kDefaultHighWaterMark = 64 * 1024 * 1024;

  // Opens a queued file body again when its turn comes (see sendFile).
  using FileOpener = absl::AnyInvocable<UniqueFd()>;

  // Made by TcpServer and TcpClient, which hand over the socket.
  TcpConnection(EventLoop* loop, std::string name, UniqueFd sockfd, const InetAddress& localAddr,
                const InetAddress& peerAddr, const ConnectionOptions& options = {});
  ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // Any thread.
  [[nodiscard]] EventLoop* getLoop() const { return loop_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const InetAddress& localAddress() const { return localAddr_; }
  [[nodiscard]] const InetAddress& peerAddress() const { return peerAddr_; }
  [[nodiscard]] bool connected() const { return state() == State::kConnected; }
  [[nodiscard]] bool disconnected() const { return state() == State::kDisconnected; }
  [[nodiscard]] uint64_t bytesReceived() const {
    return bytesReceived_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] uint64_t bytesSent() const { return bytesSent_.load(std::memory_order_relaxed); }
  // Any thread. Bytes accepted by send() and sendFile() and not yet written
  // to the kernel: the output buffer, queued file bodies, and sends from
  // other threads still on their way to the loop. A producer in any thread can see a peer that does
  // not read, and stop feeding it, before its backlog grows without bound. A snapshot.
  [[nodiscard]] size_t queuedOutputBytes() const {
    return outputBytes_.load(std::memory_order_relaxed) +
           bytesInTransit_.load(std::memory_order_relaxed);
  }

  // Any thread. In the loop thread with nothing queued, writes at once, or
  // right after the events being handled when called from an event callback
  // (so sends to many connections from one event cost one write each);
  // otherwise queues the bytes and writes when the socket is writable. Data
  // sent after shutdown() or once disconnected is dropped.
  // Sends ordered by happens-before (one thread, or threads taking turns
  // under a lock) reach the peer in that order, whichever threads make them.
  void send(std::string_view message);
  // Moves the string into the loop thread instead of copying it.
  void send(std::string&& message);
  // A literal would be ambiguous between the two above.
  void send(const char* message) { send(std::string_view(message)); }
  // Takes (and empties) the buffer's readable bytes.
  void send(Buffer* message);

  // Loop thread only. Queues `length` bytes of the open file `file` from
  // `offset`, after everything sent so far, and writes them with sendfile(2)
  // as the socket takes them; bytes sent afterwards go out after the file.
  // The write-complete callback runs once the file is out too. Dropped once
  // disconnected or after shutdown().
  //
  // With `reopen`, a file that has to wait behind another queued file holds
  // no descriptor while it waits: `file` is closed at once and `reopen` is
  // called when its turn comes, so a peer that pipelines requests and never
  // reads cannot make the process run out of descriptors. If `reopen` then
  // fails (returns no descriptor) the promised bytes can never be sent and
  // the connection is closed.
  void sendFile(UniqueFd file, off_t offset, size_t length, FileOpener reopen = nullptr);
  // The same with a descriptor shared with others (a file cache's): held
  // while needed, never closed here; sendfile leaves its offset alone.
  void sendFile(std::shared_ptr<const UniqueFd> file, off_t offset, size_t length,
                FileOpener reopen = nullptr);

  // Any thread. Half-closes (SHUT_WR) once every queued byte is written;
  // reading continues until the peer closes.
  void shutdown();
  // Any thread. Closes now, discarding queued output.
  void forceClose();
  void forceCloseWithDelay(std::chrono::microseconds delay);
  void setTcpNoDelay(bool on);

  // Any thread. Stopping reads applies TCP back-pressure to the peer. The
  // output budget pauses reading on its own as well; reading goes on only
  // when neither holds it. Bytes already in the input buffer are offered to
  // the message callback again when reading resumes.
  void startRead();
  void stopRead();
  [[nodiscard]] bool isReading() const { return reading_; }  // loop thread

  // Loop thread. Whether queued output has reached the high-water mark and
  // not yet drained to the low-water mark. A protocol stops taking requests
  // out of the input buffer while this is true; the message callback is
  // called again with what is left once the peer has read enough.
  [[nodiscard]] bool outputBudgetExceeded() const { return pausedForOutput_; }
  // Loop thread. Before connectEstablished(): the budget and the timeouts.
  void setOptions(const ConnectionOptions& options) { options_ = options; }
  [[nodiscard]] const ConnectionOptions& options() const { return options_; }

  // Loop thread. For the request deadline: a protocol that consumes part of a
  // request before it is complete (an HTTP parser taking header lines) says
  // so here. Otherwise a request counts as started while unconsumed bytes
  // remain in the input buffer after the message callback.
  void setMidRequest(bool on) { midRequest_ = on; }
  // Loop thread. Why the connection should be closed at `now` under its
  // options ("request timeout", "idle timeout"), or nullptr. Not const: it
  // records the peer's progress through the kernel's send queue.
  [[nodiscard]] const char* timeoutReason(Timestamp now);

  // Per-connection storage for the application (a session, a parser...).
  // Loop thread only.
  void setContext(std::any context) { context_ = std::move(context); }
  [[nodiscard]] const std::any& getContext() const { return context_; }
  [[nodiscard]] std::any* getMutableContext() { return &context_; }

  // Set before the connection is established (TcpServer/TcpClient do it).
  void setConnectionCallback(ConnectionCallback cb) { connectionCallback_ = std::move(cb); }
  void setMessageCallback(MessageCallback cb) { messageCallback_ = std::move(cb); }
  void setWriteCompleteCallback(WriteCompleteCallback cb) {
    writeCompleteCallback_ = std::move(cb);
  }
  // Loop thread. cb runs each time queued output rises to or past `mark` bytes.
  void setHighWaterMarkCallback(HighWaterMarkCallback cb, size_t mark) {
    highWaterMarkCallback_ = std::move(cb);
    highWaterMark_ = mark;
  }

  // Loop thread. cb runs (in the loop thread, after the event at hand) each
  // time a connection that the output budget had paused drains to its
  // low-water mark: a producer that stopped writing may go on.
  void setOutputResumedCallback(ConnectionCallback cb) { outputResumedCallback_ = std::move(cb); }

  // Loop thread. For codecs that write their output in place. The Buffer is
  // the connection's, but its storage may change between calls (during a
  // message callback it may be the loop's shared read storage): keep no
  // pointer into its bytes past the callback.
  [[nodiscard]] Buffer* inputBuffer() { return &inputBuffer_; }
  [[nodiscard]] Buffer* outputBuffer() { return &outputBuffer_; }

  // Internal to TcpServer / TcpClient.
  void setCloseCallback(CloseCallback cb) { closeCallback_ = std::move(cb); }
  void connectEstablished();  // once, when handed to its loop
  void connectDestroyed();    // once it has left the owner's map; idempotent

 private:
  enum class State { kDisconnected, kConnecting, kConnected, kDisconnecting };

  [[nodiscard]] State state() const { return state_.load(std::memory_order_acquire); }
  void setState(State s) { state_.store(s, std::memory_order_release); }

  void handleRead(Timestamp receiveTime);
  // handleRead() and handleWrite() in completion mode. With
  // deliverBuffered, offers the input buffer even when nothing new came.
  void handleReceived(Timestamp receiveTime, bool deliverBuffered = false);
  // Readiness mode: one read into inputBuffer_, then delivery or close.
  void readAndDeliver(Timestamp receiveTime);
  // False when nothing more is to be written now (a send still in flight,
  // or the connection closed).
  bool handleSent();
  // CompletionIo::SentWhole: takes a send that went out whole when nothing
  // waits on it (no queued output, no budget pause, no shutdown, no
  // write-complete callback), so the loop need not dispatch its completion.
  static bool takeWholeSend(void* self, size_t bytes, Timestamp now);
  // Completion mode, for both of the above: `bytes` of the send in flight
  // were written; `over`, the send is done (whole, or failed).
  void countSent(size_t bytes, Timestamp now, bool over);
  // Calls the message callback with whatever the input buffer holds, and
  // writes what it sent afterwards.
  void deliverInput(Timestamp receiveTime);
  // The same with `len` more bytes lent by the poller (CompletionIo), read
  // in place when nothing older waits in the input buffer.
  void deliverLent(char* lent, size_t len, Timestamp receiveTime);
  // deliverInput()'s part after the callback. Inlined into both callers:
  // the readiness path pays no call for the split.
  [[gnu::always_inline]] inline void afterMessageCallback(Timestamp receiveTime);
  // The peer sent its FIN while we were not reading (POLLRDHUP).
  void handlePeerHalfClose();
  // Reading is on when neither stopRead() nor the output budget holds it.
  void updateReading();
  // Queued output moved: pauses or resumes reading around the budget. Inline,
  // with the crossing out of line: it runs three times per message, and a
  // call into a function that can log costs ~30 instructions of register
  // saves for two comparisons.
  void checkOutputBudget() {
    const size_t queued = queuedBytesInLoop();
    if (pausedForOutput_ ? queued <= options_.outputLowWaterMark
                         : queued >= options_.outputHighWaterMark) {
      crossOutputBudget(queued);
    }
  }
  [[gnu::noinline, gnu::cold]] void crossOutputBudget(size_t queued);
  // After a read: starts or ends the request the deadline measures.
  void noteRequestProgress(Timestamp now);
  void handleWrite();
  // Writes as much queued output as the kernel takes; watches writability
  // for the rest.
  void writeOutput();
  void handleClose();
  void handleError();
  void sendInLoop(std::string_view data);
  // Whether anything (buffered bytes or files) waits to be written.
  [[nodiscard]] bool hasQueuedOutput() const {
    return outputBuffer_.readableBytes() > 0 || !pendingFiles_.empty() || sendInFlight_;
  }
  // Writes the front file of pendingFiles_ with sendfile; false on EAGAIN or
  // error (then closed).
  bool writeFrontFile();
  void closePendingFiles();
  // Writes what sends gathered while the loop handled events.
  void flushGathered();
  // Hands bytes to the loop thread, behind every send queued before them.
  void queueSend(std::string&& message);
  void queueSend(Buffer&& message);
  [[nodiscard]] size_t queuedBytesInLoop() const {
    return outputBuffer_.readableBytes() + pendingFileBytes_ + inFlightBytes_;
  }
  void publishOutputBytes() { outputBytes_.store(queuedBytesInLoop(), std::memory_order_relaxed); }
  // A byte moved in either direction at `now`.
  void noteActivity(Timestamp now) {
    lastActivity_ = now;
    lastKernelQueued_ = 0;
  }
  void shutdownInLoop();
  // After a send arrived from another thread: a shutdown() may wait for it.
  void shutdownIfDisconnecting();
  // Marks the connection closing, once; false when it is closed already.
  bool beginForceClose();
  void forceCloseInLoop();
  void startReadInLoop();
  void stopReadInLoop();
  // A send or write failed because the peer is gone: close, log once.
  void closeAfterWriteError(int savedErrno);

  EventLoop* const loop_;
  // The loop's completion-based I/O, or null to read and write the socket
  // here (see the class comment).
  CompletionIo* const io_;
  const std::string name_;
  std::atomic<State> state_{State::kConnecting};
  bool reading_ = true;             // loop thread only; stopRead() / startRead()
  bool pausedForOutput_ = false;    // loop thread only; over the output budget
  bool midRequest_ = false;         // loop thread only; see setMidRequest()
  bool redeliverQueued_ = false;    // loop thread only; buffered input is offered again
  bool inMessageCallback_ = false;  // loop thread only; sends are gathered meanwhile
  // Loop thread only: the message callback's send(Buffer*) of the input
  // buffer moved its storage to the output; deliverInput() takes it back.
  bool inputStorageLent_ = false;
  // Loop thread only: inputBuffer_ holds the loop's shared read storage
  // (handleRead()), which goes back to the loop, not to the input.
  bool readingShared_ = false;
  bool destroyed_ = false;    // loop thread only
  bool flushQueued_ = false;  // loop thread only; a flushGathered() is queued
  // Completion mode, loop thread only: output handed to the poller and not
  // yet reported written. Everything queued waits behind it.
  bool sendInFlight_ = false;
  size_t inFlightBytes_ = 0;
  ConnectionOptions options_;  // loop thread only
  // For the timeouts, loop thread only: when a byte last moved, and when the
  // request now arriving began (invalid: none) with the byte count then.
  Timestamp lastActivity_;
  Timestamp requestStart_;
  uint64_t requestStartBytes_ = 0;
  size_t lastKernelQueued_ = 0;  // SIOCOUTQ at the last idle check; 0: none since activity
  std::unique_ptr<Socket> socket_;
  std::unique_ptr<Channel> channel_;
  const InetAddress localAddr_;
  const InetAddress peerAddr_;
  ConnectionCallback connectionCallback_;
  MessageCallback messageCallback_;
  WriteCompleteCallback writeCompleteCallback_;
  HighWaterMarkCallback highWaterMarkCallback_;
  ConnectionCallback outputResumedCallback_;
  CloseCallback closeCallback_;
  size_t highWaterMark_ = kDefaultHighWaterMark;
  Buffer inputBuffer_;   // loop thread only
  Buffer outputBuffer_;  // loop thread only
  // Files queued by sendFile(), in order after outputBuffer_. Bytes sent
  // while a file is queued go to the last file's `after`, and become
  // outputBuffer_ once that file is out. Loop thread only.
  // A file waiting behind another holds no descriptor when it can be
  // reopened. Loop thread only.
  struct PendingFile {
    std::shared_ptr<const UniqueFd> fd;  // null while it waits to be reopened
    FileOpener reopen;
    off_t offset;
    size_t remaining;
    Buffer after;
  };
  std::deque<PendingFile> pendingFiles_;
  size_t pendingFileBytes_ = 0;  // remaining + after.readableBytes() over pendingFiles_
  std::any context_;             // loop thread only
  std::atomic<uint64_t> bytesReceived_{0};
  std::atomic<uint64_t> bytesSent_{0};
  // Sends queued to the loop and not yet applied, and their bytes. While any
  // is in transit, a send made in the loop thread queues too, or it would
  // overtake them.
  std::atomic<size_t> sendsInTransit_{0};
  std::atomic<size_t> bytesInTransit_{0};
  std::atomic<size_t> outputBytes_{0};  // outputBuffer_.readableBytes(), for any thread
};

}  // namespace muduo::net

#endif  // MUDUO_NET_TCPCONNECTION_H_
