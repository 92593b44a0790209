#include "rpc/ServerCall.h"

#include <new>
#include <utility>

#include "google/protobuf/message_lite.h"
#include "muduo/base/Logging.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/TcpConnection.h"
#include "rpc/RpcCodec.h"

#if defined(__SANITIZE_ADDRESS__)
#define RPC_SERVERCALL_NO_RECYCLING 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RPC_SERVERCALL_NO_RECYCLING 1
#endif
#endif

namespace muduo::rpc {
namespace {

// One scratch buffer per thread: a frame encoded in a connection's own loop
// thread is written straight from it and the storage is kept for the next.
thread_local net::Buffer t_frame;

// A handler that ignores isReady() may run this far past the budget before
// its stream is ended: room for the messages already on their way.
constexpr size_t kIgnoredBudgetFactor = 4;

// What a stream may write in its connection's loop thread before it yields
// the loop (isReady() turns false until onReady runs again): a client that
// reads as fast as we write never pauses the budget, and the loop must
// still read its CANCEL and serve everyone else.
constexpr size_t kBytesPerTurn = 256 * 1024;

// Free blocks of one size, per thread, linked through their first bytes. A
// thread keeps at most kMaxFree of them, so a burst of calls finished on a
// worker costs that worker a bounded amount of memory; they go back to the
// heap when the thread exits.
template <size_t kSize>
class FreeBlocks {
 public:
  static constexpr size_t kMaxFree = 256;

  ~FreeBlocks() {
    while (head_ != nullptr) ::operator delete(std::exchange(head_, head_->next));
  }
  void* take() {
    if (head_ == nullptr) return nullptr;
    --count_;
    return std::exchange(head_, head_->next);
  }
  bool give(void* block) {
    if (count_ == kMaxFree) return false;
    ++count_;
    head_ = ::new (block) Node{head_};
    return true;
  }

 private:
  struct Node {
    Node* next;
  };
  static_assert(kSize >= sizeof(Node));
  Node* head_ = nullptr;
  size_t count_ = 0;
};

// allocate_shared's allocator for ServerCall: its one block (the control
// block with the call in it) comes from, and returns to, this thread's
// FreeBlocks. Under AddressSanitizer every block comes from the heap, so a
// use after free is still caught rather than hidden by a reused block.
template <typename T>
class RecyclingAllocator {
 public:
  using value_type = T;
  RecyclingAllocator() = default;
  template <typename U>
  RecyclingAllocator(const RecyclingAllocator<U>&) {}  // NOLINT: rebinding converts implicitly

  T* allocate(size_t n) {
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
#ifndef RPC_SERVERCALL_NO_RECYCLING
    if (n == 1) {
      if (void* block = freeBlocks().take()) return static_cast<T*>(block);
    }
#endif
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) {
#ifndef RPC_SERVERCALL_NO_RECYCLING
    if (n == 1 && freeBlocks().give(p)) return;
#endif
    ::operator delete(p);
  }
  friend bool operator==(const RecyclingAllocator&, const RecyclingAllocator&) { return true; }

 private:
  static FreeBlocks<sizeof(T)>& freeBlocks() {
    thread_local FreeBlocks<sizeof(T)> blocks;
    return blocks;
  }
};

}  // namespace

std::shared_ptr<ServerCall> ServerCall::make(const net::TcpConnectionPtr& conn, uint64_t callId,
                                             std::string_view payload,
                                             std::chrono::steady_clock::time_point deadline,
                                             std::chrono::steady_clock::time_point started) {
  return std::allocate_shared<ServerCall>(RecyclingAllocator<ServerCall>(), conn, callId, payload,
                                          deadline, started);
}

ServerCall::ServerCall(const net::TcpConnectionPtr& conn, uint64_t callId, std::string_view payload,
                       std::chrono::steady_clock::time_point deadline,
                       std::chrono::steady_clock::time_point started)
    : conn_(conn),
      loop_(conn->getLoop()),
      peer_(conn->peerAddress()),
      callId_(callId),
      payload_(payload),
      deadline_(deadline),
      outputBudget_(conn->options().outputHighWaterMark),
      started_(started) {}

ServerCall::ServerCall(Responder responder, const net::InetAddress& peer, std::string payload,
                       std::chrono::steady_clock::time_point deadline)
    : loop_(nullptr),
      peer_(peer),
      callId_(0),
      ownedPayload_(std::move(payload)),
      deadline_(deadline),
      outputBudget_(0),
      responder_(std::move(responder)) {
  payload_ = ownedPayload_;
}

ServerCall::ServerCall(const net::TcpConnectionPtr& conn, Responder responder, StreamWriter writer,
                       std::string payload, std::chrono::steady_clock::time_point deadline)
    : conn_(conn),
      loop_(conn->getLoop()),
      peer_(conn->peerAddress()),
      callId_(0),
      ownedPayload_(std::move(payload)),
      deadline_(deadline),
      outputBudget_(conn->options().outputHighWaterMark),
      responder_(std::move(responder)),
      writer_(std::move(writer)) {
  payload_ = ownedPayload_;
}

void ServerCall::recordStats(bool ok, std::chrono::steady_clock::time_point now) {
  if (stats_ != nullptr) stats_->record(statsEntry_, ok, now - started_);
}

bool ServerCall::isCancelled() const {
  const State s = state_.load(std::memory_order_acquire);
  if (s == State::kCancelled || s == State::kExpired) return true;
  if (std::chrono::steady_clock::now() > deadline_) return true;
  if (unaryResponder()) return false;
  auto conn = conn_.lock();
  return conn == nullptr || !conn->connected();
}

void ServerCall::onCancel(absl::AnyInvocable<void()> cb) {
  watched_.store(true);
  {
    MutexLock lock(&mutex_);
    const State s = state_.load(std::memory_order_acquire);
    if (s == State::kActive) {
      onCancel_ = std::move(cb);
      return;
    }
    if (s == State::kAnswered) return;
  }
  cb();  // already cancelled or expired
}

size_t ServerCall::queuedOutputBytes() const {
  auto conn = conn_.lock();
  return conn == nullptr ? 0 : conn->queuedOutputBytes();
}

void ServerCall::ownPayload() {
  ownedPayload_.assign(payload_);
  payload_ = ownedPayload_;
}

bool ServerCall::end(State to) {
  State expected = State::kActive;
  return state_.compare_exchange_strong(expected, to, std::memory_order_acq_rel);
}

void ServerCall::wakeWatchers(State how) {
  absl::AnyInvocable<void()> onCancel;
  absl::AnyInvocable<void()> onReady;
  net::TimerId timer;
  {
    MutexLock lock(&mutex_);
    if (how != State::kAnswered) onCancel = std::move(onCancel_);
    onCancel_ = nullptr;
    onReady = std::move(onReady_);
    timer = deadlineTimer_;
    deadlineTimer_ = net::TimerId();
    readyChanged_.notifyAll();
  }
  // Its functor holds this call: cancelling frees both long before a
  // distant deadline would.
  if (timer.valid() && loop_ != nullptr) loop_->cancel(timer);
  if (onCancel) onCancel();
  // A stream waiting for room learns that the call is over.
  if (onReady && loop_ != nullptr) loop_->runInLoop(std::move(onReady));
}

void ServerCall::finish(const absl::Status& status, const google::protobuf::MessageLite* response) {
  // One clock read serves the deadline and the latency.
  const auto now = std::chrono::steady_clock::now();
  if (expireIfPast(now)) {
    LOG_DEBUG << "ServerCall " << callId_ << " answered after its deadline; dropped";
    return;
  }
  if (!end(State::kAnswered)) {
    if (state_.load(std::memory_order_acquire) == State::kAnswered) {
      LOG_ERROR << "ServerCall " << callId_ << " from " << peer_.toIpPort()
                << " answered more than once; extra answer dropped";
    }
    return;  // cancelled or expired: nobody is waiting for the answer
  }
  recordStats(status.ok(), now);
  afterEnd(State::kAnswered);
  if (responder_) {
    responder_(status, status.ok() ? response : nullptr);
    return;
  }
  sendFrame(RpcMeta::RESPONSE, status, status.ok() ? response : nullptr);
}

WriteReadiness ServerCall::readiness() const {
  if (state_.load(std::memory_order_acquire) != State::kActive || unaryResponder()) {
    return WriteReadiness::kClosed;
  }
  auto conn = conn_.lock();
  if (conn == nullptr || !conn->connected()) return WriteReadiness::kClosed;
  if (loop_->isInLoopThread() && bytesThisTurn_ >= kBytesPerTurn) return WriteReadiness::kFull;
  return conn->queuedOutputBytes() < outputBudget_ ? WriteReadiness::kReady : WriteReadiness::kFull;
}

bool ServerCall::expireIfPast(std::chrono::steady_clock::time_point now) {
  if (now <= deadline_) return false;
  // The timer has not fired yet (or is not armed while the handler runs),
  // but the client has given up: the call ends here, as the timer would
  // have ended it.
  expire();
  return true;
}

bool ServerCall::write(const google::protobuf::MessageLite& message) {
  if (state_.load(std::memory_order_acquire) != State::kActive || unaryResponder()) return false;
  if (expireIfPast() || isCancelled()) return false;
  auto conn = conn_.lock();
  if (conn == nullptr) return false;
  if (conn->queuedOutputBytes() >= kIgnoredBudgetFactor * outputBudget_) {
    // The handler is not looking at isReady(): end the stream rather than
    // let the connection's memory grow with it.
    if (end(State::kAnswered)) {
      LOG_WARN << "ServerCall " << callId_ << " to " << peer_.toIpPort()
               << ": the handler kept writing to a client that does not read; stream ended";
      recordStats(false);
      afterEnd(State::kAnswered);
      sendStreamEnd(absl::ResourceExhaustedError("the client did not read the stream fast enough"));
    }
    return false;
  }
  if (writer_) {
    if (loop_->isInLoopThread()) bytesThisTurn_ += message.ByteSizeLong();
    return writer_(message);
  }
  // sendFrame() counts the frame toward this turn: it knows its size.
  return sendFrame(RpcMeta::STREAM_MESSAGE, absl::OkStatus(), &message);
}

void ServerCall::finishStream(const absl::Status& status) {
  if (expireIfPast()) return;
  if (!end(State::kAnswered)) {
    if (state_.load(std::memory_order_acquire) == State::kAnswered) {
      LOG_DEBUG << "ServerCall " << callId_ << " stream finished after it had ended";
    }
    return;  // cancelled or expired: no STREAM_END after either
  }
  recordStats(status.ok());
  afterEnd(State::kAnswered);
  if (unaryResponder()) {
    responder_(status.ok() ? absl::UnimplementedError("streaming methods cannot be called as JSON")
                           : status,
               nullptr);
    return;
  }
  sendStreamEnd(status);
}

void ServerCall::sendStreamEnd(const absl::Status& status) {
  if (responder_) {
    responder_(status, nullptr);
    return;
  }
  sendFrame(RpcMeta::STREAM_END, status, nullptr);
}

ServerCall::~ServerCall() {
  if (state_.load(std::memory_order_acquire) == State::kActive && !responder_) {
    if (std::chrono::steady_clock::now() > deadline_) {
      // The handler saw isCancelled() (its deadline) and let go: end the
      // call as the timer would have.
      expire();
    } else {
      // A handler that let go of its call without answering would leave the
      // client waiting until its own deadline, or for ever: answer for it.
      LOG_ERROR << "ServerCall " << callId_ << " from " << peer_.toIpPort()
                << " was dropped by its handler without an answer";
      recordStats(false);
      sendFrame(
          streaming_.load(std::memory_order_relaxed) ? RpcMeta::STREAM_END : RpcMeta::RESPONSE,
          absl::InternalError("the server dropped the call without answering"), nullptr);
    }
  }
  if (inFlight_ != nullptr) inFlight_->fetch_sub(1, std::memory_order_relaxed);
}

void ServerCall::cancel() {
  if (!end(State::kCancelled)) return;
  recordStats(false);
  afterEnd(State::kCancelled);
}

void ServerCall::expire() {
  if (!end(State::kExpired)) return;
  recordStats(false);
  if (streaming_.load(std::memory_order_relaxed)) {
    sendStreamEnd(absl::DeadlineExceededError("deadline exceeded"));
  }
  afterEnd(State::kExpired);
}

void ServerCall::armDeadline(net::EventLoop* loop) {
  if (deadline_ == std::chrono::steady_clock::time_point::max() || finished()) return;
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
      deadline_ - std::chrono::steady_clock::now());
  watched_.store(true);
  MutexLock lock(&mutex_);
  if (finished() || deadlineTimer_.valid()) return;
  deadlineTimer_ = loop->runAfter(std::max(left, std::chrono::microseconds(0)),
                                  [self = shared_from_this()] { self->expire(); });
}

void ServerCall::onReady(absl::AnyInvocable<void()> cb) {
  watched_.store(true);
  {
    MutexLock lock(&mutex_);
    onReady_ = std::move(cb);
  }
  if (loop_ == nullptr) {
    runReadyCallback();
    return;
  }
  // Checked in the loop, behind every send already on its way there: only
  // then does the connection's budget see them. Below the budget it runs at
  // once; above it, the connection is paused and calls notifyWritable()
  // when it has drained.
  loop_->queueInLoop([self = shared_from_this()] {
    // A new turn: the loop has polled since this was queued.
    self->bytesThisTurn_ = 0;
    if (self->readiness() != WriteReadiness::kFull) self->runReadyCallback();
  });
}

void ServerCall::notifyWritable() {
  bytesThisTurn_ = 0;
  {
    MutexLock lock(&mutex_);
    readyChanged_.notifyAll();
  }
  runReadyCallback();
}

void ServerCall::runReadyCallback() {
  absl::AnyInvocable<void()> cb;
  {
    MutexLock lock(&mutex_);
    cb = std::move(onReady_);
    onReady_ = nullptr;
  }
  if (cb) cb();
}

bool ServerCall::waitUntilReady() {
  watched_.store(true);
  for (;;) {
    const WriteReadiness r = readiness();
    if (r != WriteReadiness::kFull) return r == WriteReadiness::kReady;
    // In the loop thread nothing can drain while we wait; the caller must
    // use onReady() instead.
    if (loop_ == nullptr || loop_->isInLoopThread()) return false;
    MutexLock lock(&mutex_);
    // Woken by notifyWritable() or the end of the call; the timed wait
    // covers a drain that happened between the check above and here.
    readyChanged_.waitFor(&mutex_, std::chrono::milliseconds(50));
  }
}

bool ServerCall::sendFrame(int type, const absl::Status& status,
                           const google::protobuf::MessageLite* payload) {
  auto conn = conn_.lock();
  if (conn == nullptr || !conn->connected()) return false;
  MetaFields meta;
  meta.type = static_cast<RpcMeta::Type>(type);
  meta.callId = callId_;
  if (!status.ok()) {
    meta.statusCode = static_cast<int32_t>(status.code());
    meta.statusMessage = std::string_view(status.message().data(), status.message().size());
  }
  net::Buffer& frame = t_frame;
  frame.retrieveAll();
  encodeFrame(meta, payload, &frame);
  if (frame.readableBytes() > kDefaultMaxFrameSize) {
    // The client would close the connection, and every call on it, at a
    // frame over the protocol's limit: fail this call alone instead.
    LOG_ERROR << "ServerCall " << callId_ << " to " << peer_.toIpPort() << ": an answer of "
              << frame.readableBytes() << " bytes is over the protocol's frame limit";
    frame.retrieveAll();
    if (type == RpcMeta::STREAM_MESSAGE) {
      // The stream cannot go on without this message.
      if (!end(State::kAnswered)) return false;
      recordStats(false);
      afterEnd(State::kAnswered);
    }
    meta.type = type == RpcMeta::RESPONSE ? RpcMeta::RESPONSE : RpcMeta::STREAM_END;
    meta.statusCode = static_cast<int32_t>(absl::StatusCode::kResourceExhausted);
    meta.statusMessage = "the answer is larger than the protocol's 64 MiB frame limit";
    encodeFrame(meta, nullptr, &frame);
    conn->send(&frame);
    return false;
  }
  if (type == RpcMeta::STREAM_MESSAGE && loop_->isInLoopThread()) {
    bytesThisTurn_ += frame.readableBytes();
  }
  conn->send(&frame);
  return true;
}

}  // namespace muduo::rpc
