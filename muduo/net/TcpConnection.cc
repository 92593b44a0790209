#include "muduo/net/TcpConnection.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>

#include "muduo/base/Logging.h"
#include "muduo/net/BufferLoan.h"
#include "muduo/net/Channel.h"
#include "muduo/net/CompletionIo.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/Socket.h"
#include "muduo/net/SocketsOps.h"

namespace muduo::net {

namespace {

// Read storage shared by every connection of a loop (one per thread, and a
// loop is one thread). A connection with nothing buffered reads into it and
// keeps only what its message callback leaves, so the kernel copies into
// cache-hot memory however many connections there are, and a connection that
// consumes what it reads holds no input storage of its own.
struct SharedReadBuffer {
  Buffer buffer;
  bool lent = false;  // to the connection whose handleRead() is running
};
thread_local SharedReadBuffer tlsReadBuffer;

// A callback that grew the shared storage (by appending to its input) does
// not leave the loop holding that much for good.
constexpr size_t kSharedReadBufferMax = 1 << 20;

}  // namespace

void defaultConnectionCallback(const TcpConnectionPtr& conn) {
  LOG_TRACE << conn->localAddress().toIpPort() << " -> " << conn->peerAddress().toIpPort() << " is "
            << (conn->connected() ? "UP" : "DOWN");
}

void defaultMessageCallback(const TcpConnectionPtr&, Buffer* buffer, Timestamp) {
  buffer->retrieveAll();
}

TcpConnection::TcpConnection(EventLoop* loop, std::string name, UniqueFd sockfd,
                             const InetAddress& localAddr, const InetAddress& peerAddr,
                             const ConnectionOptions& options)
    : loop_(loop),
      io_(loop->completionIo()),
      name_(std::move(name)),
      options_(options),
      socket_(std::make_unique<Socket>(std::move(sockfd))),
      channel_(std::make_unique<Channel>(loop, socket_->fd())),
      localAddr_(localAddr),
      peerAddr_(peerAddr) {
  channel_->setReadCallback([this](Timestamp t) { handleRead(t); });
  channel_->setWriteCallback([this] { handleWrite(); });
  channel_->setCloseCallback([this] { handleClose(); });
  channel_->setErrorCallback([this] { handleError(); });
  channel_->setPeerHalfCloseCallback([this] { handlePeerHalfClose(); });
  if (io_ != nullptr) channel_->setReceiveSink(&inputBuffer_);
  socket_->setKeepAlive(true);
  LOG_DEBUG << "TcpConnection " << name_ << " fd=" << socket_->fd();
}

TcpConnection::~TcpConnection() {
  LOG_DEBUG << "TcpConnection " << name_ << " fd=" << channel_->fd() << " destroyed";
  assert(state() == State::kDisconnected);
}

void TcpConnection::send(std::string_view message) {
  if (state() != State::kConnected) return;
  if (loop_->isInLoopThread() && sendsInTransit_.load(std::memory_order_acquire) == 0) {
    sendInLoop(message);
  } else {
    queueSend(std::string(message));
  }
}

void TcpConnection::send(std::string&& message) {
  if (state() != State::kConnected) return;
  if (loop_->isInLoopThread() && sendsInTransit_.load(std::memory_order_acquire) == 0) {
    sendInLoop(message);
  } else {
    queueSend(std::move(message));
  }
}

void TcpConnection::send(Buffer* message) {
  if (state() != State::kConnected) return;
  if (loop_->isInLoopThread() && sendsInTransit_.load(std::memory_order_acquire) == 0) {
    if (inMessageCallback_ && !hasQueuedOutput() && !channel_->isWriting() &&
        state() != State::kDisconnected) {
      // Coalescing (see handleRead) into an empty output buffer: take the
      // caller's storage instead of copying it. An echo costs no memcpy.
      outputBuffer_.swap(*message);
      message->retrieveAll();
      if (message == &inputBuffer_) inputStorageLent_ = true;
      publishOutputBytes();
      return;
    }
    sendInLoop(message->view());
    message->retrieveAll();
  } else {
    queueSend(std::move(*message));
  }
}

// queueInLoop, never runInLoop: in the loop thread the bytes must still go
// behind the sends already in transit.
void TcpConnection::queueSend(std::string&& message) {
  sendsInTransit_.fetch_add(1, std::memory_order_acq_rel);
  bytesInTransit_.fetch_add(message.size(), std::memory_order_relaxed);
  loop_->queueInLoop([self = shared_from_this(), owned = std::move(message)] {
    self->sendInLoop(owned);
    self->bytesInTransit_.fetch_sub(owned.size(), std::memory_order_relaxed);
    self->sendsInTransit_.fetch_sub(1, std::memory_order_acq_rel);
    self->shutdownIfDisconnecting();
  });
}

void TcpConnection::queueSend(Buffer&& message) {
  sendsInTransit_.fetch_add(1, std::memory_order_acq_rel);
  bytesInTransit_.fetch_add(message.readableBytes(), std::memory_order_relaxed);
  loop_->queueInLoop([self = shared_from_this(), owned = std::move(message)] {
    self->sendInLoop(owned.view());
    self->bytesInTransit_.fetch_sub(owned.readableBytes(), std::memory_order_relaxed);
    self->sendsInTransit_.fetch_sub(1, std::memory_order_acq_rel);
    self->shutdownIfDisconnecting();
  });
}

void TcpConnection::sendInLoop(std::string_view data) {
  loop_->assertInLoopThread();
  if (state() == State::kDisconnected) {
    LOG_DEBUG << name_ << " is disconnected, dropping " << data.size() << " bytes";
    return;
  }
  if (!pendingFiles_.empty()) {
    // Behind a queued file: goes out once the file has.
    pendingFiles_.back().after.append(data);
    pendingFileBytes_ += data.size();
    publishOutputBytes();
    checkOutputBudget();
    if (!channel_->isWriting() && !inMessageCallback_) channel_->enableWriting();
    return;
  }
  size_t written = 0;
  // Straight to the kernel when nothing is queued ahead of us: the common
  // case costs one write and never touches the output buffer. While the loop
  // handles events, output is gathered and written once afterwards: by
  // handleRead() for this connection's own message callback, else by a
  // flush queued behind the events. So one event that sends to many
  // connections (a chat post fanned out to a room) costs one write per
  // connection per loop iteration, not one per message.
  const bool gather = inMessageCallback_ || loop_->eventHandling();
  // In completion mode every write is a send submitted with the next wait.
  if (io_ == nullptr && !channel_->isWriting() && outputBuffer_.readableBytes() == 0 && !gather) {
    const ssize_t n = sockets::write(channel_->fd(), data.data(), data.size());
    if (n >= 0) {
      written = static_cast<size_t>(n);
      bytesSent_.fetch_add(written, std::memory_order_relaxed);
      noteActivity(loop_->pollReturnTime());
      if (written == data.size() && writeCompleteCallback_) {
        loop_->queueInLoop([self = shared_from_this()] { self->writeCompleteCallback_(self); });
      }
    } else if (errno != EWOULDBLOCK && errno != EINTR) {
      closeAfterWriteError(errno);
      return;
    }
  }
  const size_t remaining = data.size() - written;
  if (remaining == 0) return;
  const size_t queued = outputBuffer_.readableBytes() + inFlightBytes_;
  if (queued + remaining >= highWaterMark_ && queued < highWaterMark_ && highWaterMarkCallback_) {
    loop_->queueInLoop([self = shared_from_this(), total = queued + remaining] {
      self->highWaterMarkCallback_(self, total);
    });
  }
  outputBuffer_.append(data.substr(written));
  publishOutputBytes();
  checkOutputBudget();
  if (channel_->isWriting() || inMessageCallback_ || sendInFlight_) return;
  if (gather) {
    if (!flushQueued_) {
      flushQueued_ = true;
      // In the loop thread while it handles events: runs right after them,
      // in this iteration, without a wake-up.
      loop_->queueInLoop([self = shared_from_this()] { self->flushGathered(); });
    }
    return;
  }
  if (io_ != nullptr) {
    writeOutput();  // prepares the send; no syscall until the loop waits
    return;
  }
  channel_->enableWriting();
}

void TcpConnection::flushGathered() {
  loop_->assertInLoopThread();
  flushQueued_ = false;
  if (hasQueuedOutput() && !channel_->isWriting() && !disconnected()) {
    writeOutput();
  }
}

void TcpConnection::sendFile(UniqueFd file, off_t offset, size_t length, FileOpener reopen) {
  sendFile(file.valid() ? std::make_shared<const UniqueFd>(std::move(file)) : nullptr, offset,
           length, std::move(reopen));
}

void TcpConnection::sendFile(std::shared_ptr<const UniqueFd> file, off_t offset, size_t length,
                             FileOpener reopen) {
  loop_->assertInLoopThread();
  if (state() != State::kConnected || length == 0) return;
  // Only the front file needs its descriptor; the others reopen in turn.
  if (!pendingFiles_.empty() && reopen != nullptr) file.reset();
  pendingFiles_.push_back(
      PendingFile{std::move(file), std::move(reopen), offset, length, Buffer()});
  pendingFileBytes_ += length;
  publishOutputBytes();
  checkOutputBudget();
  if (!channel_->isWriting() && !inMessageCallback_) writeOutput();
}

void TcpConnection::closePendingFiles() {
  pendingFiles_.clear();
  pendingFileBytes_ = 0;
  publishOutputBytes();
}

bool TcpConnection::writeFrontFile() {
  PendingFile& f = pendingFiles_.front();
  if ((f.fd == nullptr || !f.fd->valid()) && f.reopen != nullptr) {
    UniqueFd reopened = f.reopen();
    f.fd = reopened.valid() ? std::make_shared<const UniqueFd>(std::move(reopened)) : nullptr;
  }
  if (f.fd == nullptr || !f.fd->valid()) {
    LOG_ERROR << "TcpConnection::sendFile " << name_ << ": the queued file cannot be opened; "
              << f.remaining << " promised bytes cannot be sent";
    handleClose();
    return false;
  }
  while (f.remaining > 0) {
    // Until the socket buffer is full (EAGAIN); writability brings us back.
    const size_t chunk = std::min<size_t>(f.remaining, 1 << 20);
    const ssize_t n = ::sendfile(channel_->fd(), f.fd->get(), &f.offset, chunk);
    if (n > 0) {
      f.remaining -= static_cast<size_t>(n);
      pendingFileBytes_ -= static_cast<size_t>(n);
      bytesSent_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
      noteActivity(loop_->pollReturnTime());
      continue;
    }
    if (n == 0) {
      // The file shrank under us: the promised length can never be sent.
      LOG_ERROR << "TcpConnection::sendFile " << name_ << ": file ended " << f.remaining
                << " bytes early";
      handleClose();
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      if (!channel_->isWriting()) channel_->enableWriting();
      return false;
    }
    closeAfterWriteError(errno);
    return false;
  }
  if (f.after.readableBytes() > 0) {
    // outputBuffer_ is empty. Swapped only when bytes follow: otherwise the
    // output's storage would leave with the file and the next response
    // would allocate it again.
    pendingFileBytes_ -= f.after.readableBytes();
    outputBuffer_.swap(f.after);
  }
  pendingFiles_.pop_front();
  publishOutputBytes();
  // The next file may meet a full socket, and a return without a look at
  // the budget would leave reading paused until the whole queue is out.
  checkOutputBudget();
  return true;
}

void TcpConnection::shutdown() {
  State expected = State::kConnected;
  if (state_.compare_exchange_strong(expected, State::kDisconnecting)) {
    loop_->runInLoop([self = shared_from_this()] { self->shutdownInLoop(); });
  }
}

void TcpConnection::shutdownInLoop() {
  loop_->assertInLoopThread();
  // Output still queued (or gathered in a message callback): writeOutput()
  // half-closes once it drains. Sends from other threads still on their way
  // here: the last of them half-closes. shutdown() flips the state at once,
  // from any thread, so writeOutput() may get here before they arrive.
  if (!channel_->isWriting() && !hasQueuedOutput() &&
      sendsInTransit_.load(std::memory_order_acquire) == 0) {
    socket_->shutdownWrite();
  }
}

void TcpConnection::shutdownIfDisconnecting() {
  if (state() == State::kDisconnecting) shutdownInLoop();
}

bool TcpConnection::beginForceClose() {
  // Compare-and-swap, never load-then-store: a handleClose() in the loop
  // thread between the two would be undone (kDisconnected back to
  // kDisconnecting) and the connection closed twice.
  State s = state();
  while (s == State::kConnected || s == State::kDisconnecting) {
    if (state_.compare_exchange_weak(s, State::kDisconnecting, std::memory_order_acq_rel)) {
      return true;
    }
  }
  return false;
}

void TcpConnection::forceClose() {
  if (beginForceClose()) {
    loop_->queueInLoop([self = shared_from_this()] { self->forceCloseInLoop(); });
  }
}

void TcpConnection::forceCloseWithDelay(std::chrono::microseconds delay) {
  if (beginForceClose()) {
    // A weak reference: the connection may close by itself before the delay.
    loop_->runAfter(delay, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->forceClose();
    });
  }
}

void TcpConnection::forceCloseInLoop() {
  loop_->assertInLoopThread();
  const State s = state();
  if (s == State::kConnected || s == State::kDisconnecting) handleClose();
}

void TcpConnection::setTcpNoDelay(bool on) { socket_->setTcpNoDelay(on); }

void TcpConnection::startRead() {
  loop_->runInLoop([self = shared_from_this()] { self->startReadInLoop(); });
}

void TcpConnection::startReadInLoop() {
  loop_->assertInLoopThread();
  if (!reading_ && !disconnected()) {
    reading_ = true;
    updateReading();
  }
}

void TcpConnection::stopRead() {
  loop_->runInLoop([self = shared_from_this()] { self->stopReadInLoop(); });
}

void TcpConnection::stopReadInLoop() {
  loop_->assertInLoopThread();
  if (reading_ && !disconnected()) {
    reading_ = false;
    updateReading();
  }
}

void TcpConnection::updateReading() {
  if (disconnected() || destroyed_) return;
  const bool wanted = reading_ && !pausedForOutput_;
  if (wanted == channel_->isReading()) return;
  if (wanted) {
    channel_->enableReading();
    // Reading sees the peer's FIN as a read of 0 bytes.
    channel_->disableWatchingPeerHalfClose();
    requestStart_ = Timestamp::invalid();
    // Requests left in the input buffer when reading stopped may be all the
    // peer sends: offer them again now rather than wait for new bytes.
    if (inputBuffer_.readableBytes() > 0 && !redeliverQueued_) {
      redeliverQueued_ = true;
      loop_->queueInLoop([self = shared_from_this()] {
        self->redeliverQueued_ = false;
        if (self->connected() && self->channel_->isReading() &&
            self->inputBuffer_.readableBytes() > 0) {
          if (self->io_ != nullptr) {
            // Counts what the poller appended while reading was off.
            self->handleReceived(self->loop_->pollReturnTime(), /*deliverBuffered=*/true);
          } else {
            self->deliverInput(self->loop_->pollReturnTime());
          }
        }
      });
    }
  } else {
    channel_->disableReading();
    // Paused, the channel still reports the peer's FIN (POLLRDHUP); POLLHUP
    // and POLLERR are reported regardless. Without this a paused connection
    // whose peer left would never be closed.
    channel_->enableWatchingPeerHalfClose();
    // Our own pause is not the peer being slow.
    requestStart_ = Timestamp::invalid();
  }
}

void TcpConnection::crossOutputBudget(size_t queued) {
  if (!pausedForOutput_) {
    pausedForOutput_ = true;
    LOG_DEBUG << name_ << ": " << queued << " bytes queued for output, reading paused";
    updateReading();
  } else {
    pausedForOutput_ = false;
    LOG_DEBUG << name_ << ": output drained to " << queued << " bytes, reading resumed";
    updateReading();
    if (outputResumedCallback_) {
      // Deferred: we may be inside writeOutput(), and the callback may send.
      // Input first: a producer told to go on refills the budget at once and
      // reading would pause again before the loop polled, so a request that
      // waited (a CANCEL for the very stream being fed) would wait for good.
      loop_->queueInLoop([self = shared_from_this()] {
        if (self->channel_->isReading()) self->handleRead(self->loop_->pollReturnTime());
        if (self->connected()) self->outputResumedCallback_(self);
      });
    }
  }
}

void TcpConnection::handlePeerHalfClose() {
  loop_->assertInLoopThread();
  // As a read of 0 bytes would be while reading: the peer's FIN ends the
  // connection. Requests it sent before the FIN and we had not read yet are
  // dropped with it, as nginx drops a request whose client closed while it
  // was being served.
  LOG_DEBUG << name_ << ": the peer closed while reading was paused";
  handleClose();
}

void TcpConnection::connectEstablished() {
  loop_->assertInLoopThread();
  assert(state() == State::kConnecting);
  setState(State::kConnected);
  channel_->tie(shared_from_this());
  lastActivity_ = Timestamp::now();
  channel_->enableReading();
  connectionCallback_(shared_from_this());
}

void TcpConnection::connectDestroyed() {
  loop_->assertInLoopThread();
  if (destroyed_) return;
  destroyed_ = true;
  // Destroyed without having closed (the owner is going away): the user
  // still gets exactly one "down" callback.
  const State s = state();
  if (s == State::kConnected || s == State::kDisconnecting) {
    setState(State::kDisconnected);
    channel_->disableAll();
    sendInFlight_ = false;
    inFlightBytes_ = 0;
    socket_->shutdownWrite();  // see handleClose()
    connectionCallback_(shared_from_this());
  }
  channel_->remove();
}

void TcpConnection::handleRead(Timestamp receiveTime) {
  loop_->assertInLoopThread();
  if (io_ != nullptr) {
    handleReceived(receiveTime);
    return;
  }
  // Borrowed only when nothing is buffered (nothing to copy in) and not
  // already lent to a handleRead() further up the stack.
  SharedReadBuffer& shared = tlsReadBuffer;
  const bool borrowed = !shared.lent && inputBuffer_.readableBytes() == 0;
  if (!borrowed) {
    readAndDeliver(receiveTime);
    return;
  }
  shared.lent = true;
  readingShared_ = true;
  inputBuffer_.swap(shared.buffer);
  readAndDeliver(receiveTime);
  readingShared_ = false;
  // shared.buffer holds this connection's own (empty) input storage.
  if (inputStorageLent_ && outputBuffer_.readableBytes() == 0 &&
      inputBuffer_.readableBytes() == 0) {
    // An echo, written out: the loop's storage is in the output. It goes
    // straight back to the loop, and the output takes the connection's own
    // input storage (both empty), so the echo costs one swap here and none
    // in afterMessageCallback().
    outputBuffer_.swap(shared.buffer);
    inputStorageLent_ = false;
  } else {
    // The bytes the callback left, if any, move to the connection's own
    // storage, and the loop's storage goes back. The callback may have
    // swapped storage away (an echo's output still being written); the loop
    // then takes whatever inputBuffer_ holds.
    if (inputBuffer_.readableBytes() > 0) {
      shared.buffer.append(inputBuffer_.view());
      inputBuffer_.retrieveAll();
    }
    inputBuffer_.swap(shared.buffer);
  }
  if (shared.buffer.capacity() > kSharedReadBufferMax) shared.buffer.shrink(0);
  shared.lent = false;
}

void TcpConnection::readAndDeliver(Timestamp receiveTime) {
  int savedErrno = 0;
  const ssize_t n = inputBuffer_.readFd(channel_->fd(), &savedErrno);
  if (n > 0) {
    bytesReceived_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
    noteActivity(receiveTime);
    deliverInput(receiveTime);
  } else if (n == 0) {
    handleClose();
  } else if (savedErrno != EAGAIN && savedErrno != EINTR) {
    // The connection is gone; nothing to retry. A reset is a peer's right
    // (a benchmark's clients all end that way), not our error.
    if (savedErrno == ECONNRESET) {
      LOG_INFO << "connection reset by " << peerAddr_.toIpPort() << " [" << name_ << "]";
    } else {
      errno = savedErrno;
      LOG_SYSERR << "reading from " << peerAddr_.toIpPort() << " [" << name_ << "]";
    }
    handleClose();
  }
}

void TcpConnection::handleReceived(Timestamp receiveTime, bool deliverBuffered) {
  const CompletionIo::Received received = io_->takeReceived(channel_.get());
  if (received.bytes > 0) {
    bytesReceived_.fetch_add(received.bytes, std::memory_order_relaxed);
    noteActivity(receiveTime);
  }
  if (received.lent != nullptr) {
    deliverLent(received.lent, received.lentBytes, receiveTime);
  } else if (received.bytes > 0 || (deliverBuffered && inputBuffer_.readableBytes() > 0)) {
    deliverInput(receiveTime);
  }
  if (received.end == 0 || disconnected()) return;
  if (received.end != CompletionIo::kEof) {
    if (received.end == -ECONNRESET) {
      LOG_INFO << "connection reset by " << peerAddr_.toIpPort() << " [" << name_ << "]";
    } else {
      errno = -received.end;
      LOG_SYSERR << "receiving from " << peerAddr_.toIpPort() << " [" << name_ << "]";
    }
  }
  handleClose();
}

void TcpConnection::afterMessageCallback(Timestamp receiveTime) {
  if (disconnected()) return;
  // A codec may have written straight into outputBuffer().
  publishOutputBytes();
  checkOutputBudget();
  if (hasQueuedOutput() && !channel_->isWriting()) writeOutput();
  // An echo lent the input's storage to the output (send(Buffer*)). Written
  // out, it comes back, so the next read lands in the bytes this one warmed
  // and a connection cycles through one buffer instead of two: with hundreds
  // of connections the second doubles what the kernel's copies pull through
  // the caches. (In completion mode the poller may still hold the output;
  // reading into the loop's storage, handleRead() gives it back.)
  if (inputStorageLent_ && io_ == nullptr && !readingShared_ &&
      outputBuffer_.readableBytes() == 0 && inputBuffer_.readableBytes() == 0) {
    inputBuffer_.swap(outputBuffer_);
  }
  noteRequestProgress(receiveTime);
}

void TcpConnection::deliverLent(char* lent, size_t len, Timestamp receiveTime) {
  if (inputBuffer_.readableBytes() > 0) {
    // Behind bytes an earlier callback left: they must be contiguous.
    inputBuffer_.append(lent, len);
    deliverInput(receiveTime);
    return;
  }
  inMessageCallback_ = true;
  inputStorageLent_ = false;
  {
    // The callback reads the bytes where the kernel put them; only what it
    // leaves unread is copied, when the loan ends.
    BufferLoan loan(&inputBuffer_, lent, len);
    messageCallback_(shared_from_this(), &inputBuffer_, receiveTime);
  }
  inMessageCallback_ = false;
  afterMessageCallback(receiveTime);
}

void TcpConnection::deliverInput(Timestamp receiveTime) {
  // Everything the callback sends on this connection (one reply per
  // pipelined request, say) goes out in one write after it returns.
  inMessageCallback_ = true;
  inputStorageLent_ = false;
  messageCallback_(shared_from_this(), &inputBuffer_, receiveTime);
  inMessageCallback_ = false;
  afterMessageCallback(receiveTime);
}

void TcpConnection::noteRequestProgress(Timestamp now) {
  const bool started = midRequest_ || inputBuffer_.readableBytes() > 0;
  if (!started || !channel_->isReading()) {
    requestStart_ = Timestamp::invalid();
  } else if (!requestStart_.valid()) {
    requestStart_ = now;
    requestStartBytes_ = bytesReceived();
  }
}

const char* TcpConnection::timeoutReason(Timestamp now) {
  loop_->assertInLoopThread();
  if (!connected()) return nullptr;
  const int64_t nowUs = now.microSecondsSinceEpoch();
  const int64_t idleUs =
      std::chrono::duration_cast<std::chrono::microseconds>(options_.idleTimeout).count();
  if (idleUs > 0 && nowUs - lastActivity_.microSecondsSinceEpoch() >= idleUs) {
    // We wrote nothing for a while, but the peer may still be reading what
    // the kernel holds for it (a long download, with writable events only
    // every few hundred KiB). Its send queue moving since the last look is
    // the peer's activity; a queue that stays put for a whole timeout is a
    // peer that stopped reading. (A write forgets the last look, so a
    // stalled reader goes after one to two timeouts.)
    int unsent = 0;
    if (::ioctl(channel_->fd(), SIOCOUTQ, &unsent) == 0 && unsent > 0 &&
        static_cast<size_t>(unsent) != lastKernelQueued_) {
      lastKernelQueued_ = static_cast<size_t>(unsent);
      lastActivity_ = now;
    } else {
      return "idle timeout";
    }
  }
  const int64_t requestUs =
      std::chrono::duration_cast<std::chrono::microseconds>(options_.requestTimeout).count();
  if (requestUs > 0 && requestStart_.valid()) {
    // Each minRequestBytesPerSecond bytes received buys one more second.
    int64_t allowedUs = requestUs;
    if (options_.minRequestBytesPerSecond > 0) {
      const uint64_t received = bytesReceived() - requestStartBytes_;
      allowedUs += static_cast<int64_t>(received * 1000000 / options_.minRequestBytesPerSecond);
    }
    if (nowUs - requestStart_.microSecondsSinceEpoch() >= allowedUs) return "request timeout";
  }
  return nullptr;
}

void TcpConnection::handleWrite() {
  loop_->assertInLoopThread();
  if (sendInFlight_) {
    if (handleSent()) writeOutput();
    return;
  }
  if (!channel_->isWriting()) {
    LOG_TRACE << "Connection fd = " << channel_->fd() << " is down, no more writing";
    return;
  }
  writeOutput();
}

bool TcpConnection::handleSent() {
  const CompletionIo::Sent sent = io_->takeSent(channel_.get());
  countSent(sent.bytes, loop_->pollReturnTime(), !sent.inFlight);
  if (sent.inFlight) {
    checkOutputBudget();
    return false;
  }
  if (sent.error != 0) {
    closeAfterWriteError(sent.error);
    return false;
  }
  return !disconnected();
}

bool TcpConnection::takeWholeSend(void* self, size_t bytes, Timestamp now) {
  auto* conn = static_cast<TcpConnection*>(self);
  // Anything handleSent() and writeOutput() would do beyond the counts: the
  // connection hears of the send through the loop as before.
  if (conn->outputBuffer_.readableBytes() > 0 || !conn->pendingFiles_.empty() ||
      conn->pausedForOutput_ || conn->writeCompleteCallback_ || conn->channel_->isWriting() ||
      conn->state() != State::kConnected) {
    return false;
  }
  conn->countSent(bytes, now, /*over=*/true);
  return true;
}

void TcpConnection::countSent(size_t bytes, Timestamp now, bool over) {
  if (bytes > 0) {
    inFlightBytes_ -= bytes;
    bytesSent_.fetch_add(bytes, std::memory_order_relaxed);
    noteActivity(now);
  }
  if (over) {
    sendInFlight_ = false;
    inFlightBytes_ = 0;
  }
  publishOutputBytes();
}

void TcpConnection::writeOutput() {
  // Completion mode: what was queued since waits for the send in flight.
  if (sendInFlight_) return;
  for (;;) {
    if (outputBuffer_.readableBytes() > 0) {
      if (io_ != nullptr && pendingFiles_.empty()) {
        // The poller takes the bytes; they count as queued until written.
        inFlightBytes_ = outputBuffer_.readableBytes();
        sendInFlight_ = true;
        io_->startSend(channel_.get(), &outputBuffer_, &TcpConnection::takeWholeSend, this);
        if (channel_->isWriting()) channel_->disableWriting();
        return;
      }
      // Bytes ahead of a file (an HTTP header before its body) wait in the
      // socket for the file's first bytes, so both leave in one segment: a
      // header sent alone costs the peer, and loopback us, a packet more.
      // sendfile's last call pushes them (it is made without MORE).
      const ssize_t n =
          pendingFiles_.empty()
              ? sockets::write(channel_->fd(), outputBuffer_.peek(), outputBuffer_.readableBytes())
              : ::send(channel_->fd(), outputBuffer_.peek(), outputBuffer_.readableBytes(),
                       MSG_MORE | MSG_NOSIGNAL);
      if (n < 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
          closeAfterWriteError(errno);
        } else if (!channel_->isWriting()) {
          channel_->enableWriting();
        }
        return;
      }
      outputBuffer_.retrieve(static_cast<size_t>(n));
      publishOutputBytes();
      bytesSent_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
      noteActivity(loop_->pollReturnTime());
      checkOutputBudget();
      if (outputBuffer_.readableBytes() > 0) {
        if (!channel_->isWriting()) channel_->enableWriting();
        return;
      }
    }
    if (pendingFiles_.empty()) break;
    if (!writeFrontFile()) return;
  }
  if (channel_->isWriting()) channel_->disableWriting();
  checkOutputBudget();
  if (writeCompleteCallback_) {
    loop_->queueInLoop([self = shared_from_this()] { self->writeCompleteCallback_(self); });
  }
  if (state() == State::kDisconnecting) shutdownInLoop();
}

void TcpConnection::closeAfterWriteError(int savedErrno) {
  errno = savedErrno;
  if (savedErrno == EPIPE || savedErrno == ECONNRESET) {
    LOG_DEBUG << "TcpConnection " << name_ << ": peer went away while we wrote";
  } else {
    LOG_SYSERR << "TcpConnection::write " << name_;
  }
  handleClose();
}

void TcpConnection::handleClose() {
  loop_->assertInLoopThread();
  const State s = state();
  if (s == State::kDisconnected) return;  // a write error may beat the hang-up event
  LOG_TRACE << "fd = " << channel_->fd() << " state = " << static_cast<int>(s);
  setState(State::kDisconnected);
  if (sendInFlight_) {
    // Completion mode: a send may have completed in the same wait as the
    // event that closes us; its bytes count as sent.
    const CompletionIo::Sent sent = io_->takeSent(channel_.get());
    bytesSent_.fetch_add(sent.bytes, std::memory_order_relaxed);
    sendInFlight_ = false;
    inFlightBytes_ = 0;
  }
  channel_->disableAll();
  closePendingFiles();
  // The fd is closed only when the last TcpConnectionPtr goes, which a user
  // may hold for long; the peer must see the close now.
  socket_->shutdownWrite();
  TcpConnectionPtr guard(shared_from_this());
  connectionCallback_(guard);
  // The owner removes us from its map and later calls connectDestroyed().
  if (closeCallback_) closeCallback_(guard);
}

void TcpConnection::handleError() {
  const int err = sockets::getSocketError(channel_->fd());
  if (err == ECONNRESET || err == EPIPE || err == 0) {
    LOG_INFO << "connection reset by " << peerAddr_.toIpPort() << " [" << name_ << "]";
  } else {
    LOG_ERROR << "connection to " << peerAddr_.toIpPort() << " [" << name_
              << "]: " << strerrorTl(err) << " (SO_ERROR " << err << ")";
  }
}

}  // namespace muduo::net
