#include "rpc/RpcChannel.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/message_lite.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/Logging.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/TcpClient.h"
#include "muduo/net/TcpConnection.h"
#include "rpc/RpcCodec.h"

namespace muduo::rpc {

namespace {

// The payload that marks a status as "the request never left this process".
// absl::string_view: Debian's abseil does not take std::string_view here.
constexpr absl::string_view kNeverSent = "muduo.rpc/never-sent";

absl::Status neverSent(absl::Status status) {
  status.SetPayload(kNeverSent, absl::Cord());
  return status;
}

}  // namespace

// The state behind an RpcChannel. Shared with timers and queued work, which
// hold it weakly or by value, so it is never reached after destruction.
// Everything but nextId_ is loop thread only.
class RpcChannel::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(net::EventLoop* loop, const net::InetAddress& serverAddr, Options options)
      : loop_(loop),
        options_(options),
        serverAddr_(serverAddr),
        client_(std::make_unique<net::TcpClient>(loop, serverAddr, "RpcChannel")) {}

  void init() {
    client_->enableRetry();
    client_->setConnectionCallback([weak = weak_from_this()](const net::TcpConnectionPtr& c) {
      if (auto self = weak.lock()) self->onConnection(c);
    });
    client_->setMessageCallback(
        [weak = weak_from_this()](const net::TcpConnectionPtr& c, net::Buffer* buf, Timestamp) {
          if (auto self = weak.lock()) self->onMessage(c, buf);
        });
    client_->setConnectFailedCallback(
        [weak = weak_from_this()](int error, std::chrono::milliseconds) {
          if (auto self = weak.lock()) self->onConnectFailed(error);
        });
  }

  void connect() { client_->connect(); }
  bool connected() const { return connected_.load(std::memory_order_acquire); }
  uint64_t nextId() { return nextId_.fetch_add(1, std::memory_order_relaxed); }

  // Loop thread. `frame` holds the encoded REQUEST; it is sent (its bytes
  // taken) or kept for the connection, and left empty either way.
  void startInLoop(uint64_t id, net::Buffer* frame, ResponseHandler done, StreamHandler onMessage,
                   std::chrono::microseconds timeout, bool waitForReady) {
    loop_->assertInLoopThread();
    if (closed_) {
      frame->retrieveAll();
      std::move(done)(neverSent(absl::CancelledError("RpcChannel destroyed")), {});
      return;
    }
    if (conn_ == nullptr && !connectError_.ok() && !waitForReady) {
      frame->retrieveAll();
      std::move(done)(connectError_, {});
      return;
    }
    Pending& pending = pending_[id];
    pending.done = std::move(done);
    pending.waitForReady = waitForReady;
    if (onMessage) pending.onMessage = std::make_shared<StreamHandler>(std::move(onMessage));
    if (timeout.count() > 0) addDeadline(id, Clock::now() + timeout);
    if (conn_ != nullptr) {
      conn_->send(frame);
    } else {
      // Not connected yet: the request waits here, within its deadline.
      if (backlog_.size() >= backlogSweepAt_) {
        // Drop requests whose calls already completed; amortised O(1).
        std::erase_if(backlog_,
                      [this](const auto& entry) { return !pending_.contains(entry.first); });
        backlogSweepAt_ = 2 * backlog_.size() + 64;
      }
      net::Buffer kept;  // `frame` may be the thread's scratch buffer
      kept.append(frame->view());
      frame->retrieveAll();
      backlog_.emplace_back(id, std::move(kept));
    }
  }

  // Loop thread: stop delivering stream messages for `id`.
  void mute(uint64_t id) {
    if (auto it = pending_.find(id); it != pending_.end()) it->second.onMessage = nullptr;
  }

  void cancelInLoop(uint64_t id) {
    if (pending_.find(id) == pending_.end()) return;
    if (conn_ != nullptr) {
      MetaFields meta;
      meta.type = RpcMeta::CANCEL;
      meta.callId = id;
      net::Buffer frame;
      encodeFrame(meta, nullptr, &frame);
      conn_->send(&frame);
    }
    complete(id, absl::CancelledError("cancelled by the client"), {});
  }

  // Loop thread, from ~RpcChannel: fail everything, drop the connection.
  void close() {
    closed_ = true;
    failAll(absl::CancelledError("RpcChannel destroyed"));
    client_.reset();
  }

 private:
  struct Pending {
    ResponseHandler done;
    // Set for streams only. Shared so a handler that cancels its own
    // stream (erasing this entry) is not destroyed while it runs.
    std::shared_ptr<StreamHandler> onMessage;
    bool waitForReady = false;
  };
  using Clock = std::chrono::steady_clock;
  // A call's deadline, in deadlines_ (a min-heap by time).
  struct Deadline {
    Clock::time_point at;
    uint64_t id;
    bool operator>(const Deadline& other) const { return at > other.at; }
  };

  // Deadlines are enforced by one timer per channel, armed for the earliest
  // one, not a timer per call: a call that completes leaves its entry
  // behind (no TimerQueue insertion or cancel per call), and the sweep
  // skips entries whose calls are gone.
  void addDeadline(uint64_t id, Clock::time_point at) {
    if (deadlines_.size() >= deadlineCompactAt_) {
      // Mostly completed calls: drop them, amortised O(1) per call.
      std::erase_if(deadlines_, [this](const Deadline& d) { return !pending_.contains(d.id); });
      std::make_heap(deadlines_.begin(), deadlines_.end(), std::greater<>());
      deadlineCompactAt_ = 2 * deadlines_.size() + 64;
    }
    deadlines_.push_back(Deadline{at, id});
    std::push_heap(deadlines_.begin(), deadlines_.end(), std::greater<>());
    if (!sweepTimer_.valid() || at < sweepAt_) armSweep(at);
  }

  void armSweep(Clock::time_point at) {
    if (sweepTimer_.valid()) loop_->cancel(sweepTimer_);
    sweepAt_ = at;
    // Rounded up, so the timer never fires before the deadline it is for.
    const auto delay = std::chrono::ceil<std::chrono::microseconds>(at - Clock::now());
    sweepTimer_ =
        loop_->runAfter(std::max(delay, std::chrono::microseconds(0)), [weak = weak_from_this()] {
          if (auto self = weak.lock()) self->sweepDeadlines();
        });
  }

  void sweepDeadlines() {
    sweepTimer_ = net::TimerId();
    const Clock::time_point now = Clock::now();
    while (!deadlines_.empty()) {
      const Deadline earliest = deadlines_.front();
      if (pending_.contains(earliest.id) && earliest.at > now) {
        armSweep(earliest.at);
        return;
      }
      std::pop_heap(deadlines_.begin(), deadlines_.end(), std::greater<>());
      deadlines_.pop_back();
      // A handler run by complete() may start calls, which push new
      // deadlines (and may arm the timer); the loop goes on with the heap
      // as it is then.
      complete(earliest.id, absl::DeadlineExceededError("deadline exceeded"), {});
    }
  }

  // An attempt to connect failed; the TcpClient retries after a back-off.
  // The calls that are not waiting for ready fail now, with the reason, and
  // so will new ones until a connection is up.
  void onConnectFailed(int error) {
    connectError_ = neverSent(absl::UnavailableError(
        absl::StrCat("connect to ", serverAddr_.toIpPort(), ": ", strerrorTl(error))));
    std::vector<uint64_t> failing;
    for (const auto& [id, frame] : backlog_) {
      if (auto it = pending_.find(id); it != pending_.end() && !it->second.waitForReady) {
        failing.push_back(id);
      }
    }
    for (uint64_t id : failing) complete(id, connectError_, {});
  }

  void onConnection(const net::TcpConnectionPtr& conn) {
    if (conn->connected()) {
      conn->setTcpNoDelay(true);
      conn_ = conn;
      connectError_ = absl::OkStatus();
      connected_.store(true, std::memory_order_release);
      // Only calls still pending: one that expired or was cancelled while
      // it waited must not run on the server after the client gave up.
      net::Buffer requests;
      for (auto& [id, frame] : backlog_) {
        if (pending_.contains(id)) requests.append(frame.view());
      }
      backlog_.clear();
      if (requests.readableBytes() > 0) conn->send(&requests);
    } else {
      conn_.reset();
      connected_.store(false, std::memory_order_release);
      failAll(absl::UnavailableError(
          absl::StrCat("connection to ", conn->peerAddress().toIpPort(), " lost")));
    }
  }

  void onMessage(const net::TcpConnectionPtr& conn, net::Buffer* buf) {
    // Reused: a meta protobuf had to parse keeps its storage.
    DecodedFrame& frame = frame_;
    std::string error;
    while (true) {
      const DecodeStatus status = decodeFrame(*buf, options_.maxFrameSize, &frame, &error);
      if (status == DecodeStatus::kNeedMore) return;
      if (status == DecodeStatus::kError) {
        LOG_ERROR << "RpcChannel: closing connection to " << conn->peerAddress().toIpPort() << ": "
                  << error;
        buf->retrieveAll();
        conn->forceClose();
        return;
      }
      const MetaView& meta = frame.meta;
      switch (meta.type()) {
        case RpcMeta::RESPONSE:
        case RpcMeta::STREAM_END:
          complete(meta.call_id(),
                   absl::Status(static_cast<absl::StatusCode>(meta.status_code()),
                                absl::string_view(meta.status_message().data(),
                                                  meta.status_message().size())),
                   frame.payload);
          break;
        case RpcMeta::STREAM_MESSAGE:
          if (auto it = pending_.find(meta.call_id());
              it != pending_.end() && it->second.onMessage != nullptr) {
            std::shared_ptr<StreamHandler> handler = it->second.onMessage;
            (*handler)(frame.payload);
          }
          break;
        default:
          LOG_ERROR << "RpcChannel: closing connection to " << conn->peerAddress().toIpPort()
                    << ": the server sent a frame of type " << static_cast<int>(meta.type());
          buf->retrieveAll();
          conn->forceClose();
          return;
      }
      buf->retrieve(frame.frameLength);
    }
  }

  // Completes a pending call once; answers for unknown ids (already timed
  // out or cancelled) are dropped.
  void complete(uint64_t id, absl::Status status, std::string_view payload) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    Pending pending = std::move(it->second);
    pending_.erase(it);
    std::move(pending.done)(std::move(status), payload);
  }

  void failAll(const absl::Status& status) {
    // Calls still in the backlog never had a connection: their failure says so.
    absl::flat_hash_set<uint64_t> unsent;
    for (const auto& entry : backlog_) unsent.insert(entry.first);
    backlog_.clear();
    // Every deadline belongs to a call failed here; new calls started by
    // the handlers below push their own.
    deadlines_.clear();
    if (sweepTimer_.valid()) loop_->cancel(sweepTimer_);
    sweepTimer_ = net::TimerId();
    // Handlers may start new calls; they go into a fresh map.
    auto failed = std::move(pending_);
    pending_.clear();
    const absl::Status unsentStatus = unsent.empty() ? status : neverSent(status);
    for (auto& [id, pending] : failed) {
      std::move(pending.done)(unsent.contains(id) ? unsentStatus : status, {});
    }
  }

  net::EventLoop* const loop_;
  const Options options_;
  const net::InetAddress serverAddr_;
  std::unique_ptr<net::TcpClient> client_;
  // Why the last attempt to connect failed; OK once connected.
  absl::Status connectError_;
  net::TcpConnectionPtr conn_;
  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> nextId_{1};
  absl::flat_hash_map<uint64_t, Pending> pending_;
  std::vector<Deadline> deadlines_;
  size_t deadlineCompactAt_ = 64;
  net::TimerId sweepTimer_;
  Clock::time_point sweepAt_;
  DecodedFrame frame_;
  // Requests made while disconnected, in call order, with their call ids.
  std::vector<std::pair<uint64_t, net::Buffer>> backlog_;
  size_t backlogSweepAt_ = 64;
  bool closed_ = false;
};

RpcChannel::RpcChannel(net::EventLoop* loop, const net::InetAddress& serverAddr, Options options)
    : loop_(loop),
      defaultTimeout_(options.defaultTimeout),
      impl_(std::make_shared<Impl>(loop, serverAddr, options)) {
  impl_->init();
}

RpcChannel::~RpcChannel() {
  runInLoopAndWait(loop_, [this] { impl_->close(); });
}

void RpcChannel::connect() { impl_->connect(); }
bool RpcChannel::connected() const { return impl_->connected(); }

namespace {

// Encodes a REQUEST into `frame` (empty), the names straight from the
// caller's views.
template <typename Payload>
void encodeRequest(uint64_t id, std::string_view service, std::string_view method,
                   const Payload& request, std::chrono::microseconds timeout, net::Buffer* frame) {
  MetaFields meta;
  meta.type = RpcMeta::REQUEST;
  meta.callId = id;
  meta.service = service;
  meta.method = method;
  meta.timeoutUs = timeout.count();
  if constexpr (std::is_same_v<Payload, std::string_view>) {
    encodeFrame(meta, request, frame);
  } else {
    encodeFrame(meta, &request, frame);
  }
}

// A request started in the loop thread (a completion handler issuing the
// next call, the common case for an asynchronous client) is encoded here
// and handed to the connection without a queued functor or a Buffer of its
// own; the connection takes the bytes (or the storage) at once.
thread_local net::Buffer t_request;

}  // namespace

// Forced inline: each public entry point gets its own copy, so a unary
// call costs what it did before the four shared this body.
template <typename Payload>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline uint64_t RpcChannel::start(
    std::string_view service, std::string_view method, const Payload& request,
    StreamHandler* onMessage, ResponseHandler& done, const CallOptions& options) {
  const bool unary = onMessage == nullptr;
  const uint64_t id = impl_->nextId();
  // Unary calls always have a deadline; streams only when asked.
  const auto timeout = options.timeout.count() > 0 || !unary ? options.timeout : defaultTimeout_;
  if (unary && loop_->isInLoopThread()) {
    net::Buffer& frame = t_request;
    frame.retrieveAll();
    encodeRequest(id, service, method, request, timeout, &frame);
    impl_->startInLoop(id, &frame, std::move(done), nullptr, timeout, options.waitForReady);
    return id;
  }
  // Serialise in the caller's thread: the loop thread only sends.
  net::Buffer frame;
  encodeRequest(id, service, method, request, timeout, &frame);
  loop_->runInLoop([impl = impl_, id, frame = std::move(frame), done = std::move(done),
                    onMessage = unary ? StreamHandler() : std::move(*onMessage), timeout,
                    waitForReady = options.waitForReady]() mutable {
    impl->startInLoop(id, &frame, std::move(done), std::move(onMessage), timeout, waitForReady);
  });
  return id;
}

uint64_t RpcChannel::startCall(std::string_view service, std::string_view method,
                               const google::protobuf::MessageLite& request, ResponseHandler done,
                               const CallOptions& options) {
  return start(service, method, request, nullptr, done, options);
}

uint64_t RpcChannel::startStream(std::string_view service, std::string_view method,
                                 const google::protobuf::MessageLite& request,
                                 StreamHandler onMessage, ResponseHandler onFinish,
                                 const CallOptions& options) {
  return start(service, method, request, &onMessage, onFinish, options);
}

uint64_t RpcChannel::startSerializedCall(std::string_view service, std::string_view method,
                                         std::string_view request, ResponseHandler done,
                                         const CallOptions& options) {
  return start(service, method, request, nullptr, done, options);
}

uint64_t RpcChannel::startSerializedStream(std::string_view service, std::string_view method,
                                           std::string_view request, StreamHandler onMessage,
                                           ResponseHandler onFinish, const CallOptions& options) {
  return start(service, method, request, &onMessage, onFinish, options);
}

bool RpcChannel::neverReachedServer(const absl::Status& status) {
  return !status.ok() && status.GetPayload(kNeverSent).has_value();
}

void RpcChannel::cancel(uint64_t callId) {
  // In the loop thread (a handler cancelling its own stream, say) nothing
  // more is delivered from now on, but the call completes later, after the
  // running handler returns, never re-entrantly inside it.
  if (loop_->isInLoopThread()) impl_->mute(callId);
  loop_->queueInLoop([impl = impl_, callId] { impl->cancelInLoop(callId); });
}

}  // namespace muduo::rpc
