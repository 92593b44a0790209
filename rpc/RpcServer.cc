#include "rpc/RpcServer.h"

#include <any>
#include <cassert>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "muduo/base/ThreadPool.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/TcpConnection.h"
#include "muduo/net/TcpServer.h"
#include "rpc/ServerCall.h"
#include "rpc/Service.h"

namespace muduo::rpc {
namespace {

// A REQUEST's timeout_us, counted from `now`, as a deadline. 0 is none; so
// is a timeout beyond ten years, which would otherwise overflow the clock's
// arithmetic (the call then waits as long as the client does). Negative
// ones are refused before this is used.
std::chrono::steady_clock::time_point deadlineFor(std::chrono::steady_clock::time_point now,
                                                  int64_t timeoutUs) {
  constexpr int64_t kMaxTimeoutUs = int64_t{10} * 365 * 24 * 3600 * 1000 * 1000;
  if (timeoutUs <= 0 || timeoutUs > kMaxTimeoutUs) {
    return std::chrono::steady_clock::time_point::max();
  }
  return now + std::chrono::microseconds(timeoutUs);
}

}  // namespace

// Per connection, loop thread only: the calls still running after their
// handler returned (asynchronous answers, streams), so CANCEL frames and a
// dropped connection can reach them. Synchronous unary calls never enter it.
struct RpcServer::ConnectionState {
  absl::flat_hash_map<uint64_t, std::weak_ptr<ServerCall>> live;
  size_t sweepAt = 64;
  bool sawFrame = false;  // an MRPC peer: never look for HTTP again
  // Reused for every frame; its meta's names are views into the input, so
  // a call's service and method are looked up without a copy.
  DecodedFrame frame;
  // The method this connection called last, as resolved by the server's
  // tables: a client calling one method over and over (the common case)
  // skips the hash lookups and the stats' name table.
  struct ResolvedMethod {
    std::string service;
    std::string method;
    Service* target = nullptr;
    RpcStats::Entry* stats = nullptr;
  } lastMethod;

  void add(const std::shared_ptr<ServerCall>& call) {
    if (live.size() >= sweepAt) {
      // Finished calls leave expired entries; drop them in bulk, amortised O(1).
      absl::erase_if(live, [](const auto& entry) { return entry.second.expired(); });
      sweepAt = 2 * live.size() + 64;
    }
    live[call->callId()] = call;
  }
  // A call with this id still running: the client reused it too early.
  [[nodiscard]] bool running(uint64_t callId) const {
    // Synchronous unary calls never enter the table: skip the hash.
    if (live.empty()) return false;
    auto it = live.find(callId);
    if (it == live.end()) return false;
    auto call = it->second.lock();
    return call != nullptr && !call->finished();
  }
  // The connection drained below its output budget: streams may write.
  void notifyWritable() {
    for (auto& [id, weak] : live) {
      if (auto call = weak.lock()) call->notifyWritable();
    }
  }
  void cancelAll() {
    for (auto& [id, weak] : live) {
      if (auto call = weak.lock()) call->cancel();
    }
    live.clear();
  }
};

RpcServer::RpcServer(net::EventLoop* loop, const net::InetAddress& listenAddr, Options options)
    : loop_(loop),
      options_(options),
      server_(std::make_unique<net::TcpServer>(loop, listenAddr, "RpcServer",
                                               options.reusePort
                                                   ? net::TcpServer::Option::kReusePort
                                                   : net::TcpServer::Option::kNoReusePort)),
      inFlight_(std::make_shared<std::atomic<int64_t>>(0)),
      stats_(std::make_shared<RpcStats>()) {
  server_->setThreadNum(options_.ioThreads);
  server_->setConnectionOptions(options_.connection);
  // The TcpServer is ours and dies first, in this thread, taking its
  // connections' callbacks with it, so `this` is safe in them.
  server_->setConnectionCallback([this](const net::TcpConnectionPtr& conn) { onConnection(conn); });
  server_->setMessageCallback([this](const net::TcpConnectionPtr& conn, net::Buffer* buf,
                                     Timestamp receiveTime) { onMessage(conn, buf, receiveTime); });
}

RpcServer::~RpcServer() {
  // Workers answer through the I/O loops, so they stop while the loops still
  // run. Closing every connection first cancels the calls, which wakes a
  // worker waiting for a stream's client to read.
  if (workers_ != nullptr) {
    server_->stop();
    workers_->stop(ThreadPool::StopMode::kRejectQueued);
  }
  server_.reset();
}

void RpcServer::addService(Service* service) {
  services_.emplace(std::string(service->serviceName()), service);
}

void RpcServer::setHealthCheck(HealthCheck check) { healthCheck_ = std::move(check); }

absl::Status RpcServer::health() const { return healthCheck_ ? healthCheck_() : absl::OkStatus(); }

void RpcServer::setStatusText(StatusText text) { statusText_ = std::move(text); }

std::string RpcServer::applicationStatus() const { return statusText_ ? statusText_() : ""; }

void RpcServer::addProtocol(std::unique_ptr<ProtocolHandler> protocol) {
  protocols_.push_back(std::move(protocol));
}

Service* RpcServer::findService(std::string_view fullName) const {
  // The map's string hash takes a view of the name (absl::string_view is
  // its own type in this abseil): no copy.
  auto it = services_.find(absl::string_view(fullName.data(), fullName.size()));
  return it == services_.end() ? nullptr : it->second;
}

ProtocolHandler* RpcServer::ownerOf(const net::TcpConnection* conn, bool forget) {
  MutexLock lock(&ownersMutex_);
  auto it = owners_.find(conn);
  if (it == owners_.end()) return nullptr;
  ProtocolHandler* owner = it->second;
  if (forget) owners_.erase(it);
  return owner;
}

void RpcServer::start() {
  if (options_.workerThreads > 0 && workers_ == nullptr) {
    workers_ = std::make_unique<ThreadPool>("RpcWorker");
    workers_->setMaxQueueSize(options_.workerQueueSize);
    workers_->start(options_.workerThreads);
  }
  server_->start();
}

void RpcServer::adoptConnection(const net::TcpConnectionPtr& conn) {
  conn->getLoop()->assertInLoopThread();
  // The same three things TcpServer::newConnection gives an accepted one.
  conn->setOptions(options_.connection);
  conn->setConnectionCallback([this](const net::TcpConnectionPtr& c) { onConnection(c); });
  conn->setMessageCallback([this](const net::TcpConnectionPtr& c, net::Buffer* buf,
                                  Timestamp receiveTime) { onMessage(c, buf, receiveTime); });
}

net::InetAddress RpcServer::listenAddress() const { return server_->listenAddress(); }

absl::Status RpcServer::listenStatus() const { return server_->listenStatus(); }

std::shared_ptr<net::EventLoopThreadPool> RpcServer::threadPool() const {
  return server_->threadPool();
}

void RpcServer::shutdown(std::chrono::milliseconds grace, absl::AnyInvocable<void()> done) {
  loop_->assertInLoopThread();
  draining_.store(true, std::memory_order_relaxed);
  server_->stopAccepting();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  // Poll: calls finish on many threads, and a 10 ms granularity is plenty
  // for a shutdown. First the in-flight calls finish; then every connection
  // is half-closed behind its queued answers, and we wait for the peers to
  // close, so the final force-close cuts off no answer still being written.
  auto check = std::make_shared<absl::AnyInvocable<void()>>();
  *check = [this, deadline, check, draining = false, done = std::move(done)]() mutable {
    const bool early = std::chrono::steady_clock::now() < deadline;
    if (!draining) {
      if (inFlight_->load() > 0 && early) {
        loop_->runAfter(std::chrono::milliseconds(10), [check] { (*check)(); });
        return;
      }
      if (inFlight_->load() > 0) {
        LOG_WARN << "RpcServer shutdown: " << inFlight_->load()
                 << " calls still running at the deadline; closing anyway";
      }
      draining = true;
      server_->shutdownConnections();
    }
    if (server_->numConnections() > 0 && early) {
      loop_->runAfter(std::chrono::milliseconds(10), [check] { (*check)(); });
      return;
    }
    server_->stop();
    auto finished = std::move(done);
    check.reset();  // breaks the self-reference; `finished` keeps the callback alive
    finished();
  };
  (*check)();
}

void RpcServer::onConnection(const net::TcpConnectionPtr& conn) {
  if (conn->connected()) {
    stats_->connectionOpened();
    conn->setTcpNoDelay(true);
    auto state = std::make_shared<ConnectionState>();
    conn->setOutputResumedCallback(
        [weak = std::weak_ptr<ConnectionState>(state)](const net::TcpConnectionPtr&) {
          if (auto s = weak.lock()) s->notifyWritable();
        });
    conn->setContext(std::move(state));
    return;
  }
  stats_->connectionClosed();
  if (auto* state = std::any_cast<std::shared_ptr<ConnectionState>>(conn->getMutableContext())) {
    (*state)->cancelAll();
  } else if (ProtocolHandler* owner = ownerOf(conn.get(), /*forget=*/true)) {
    owner->onDisconnected(conn);
  }
}

void RpcServer::onMessage(const net::TcpConnectionPtr& conn, net::Buffer* buf,
                          Timestamp receiveTime) {
  auto* statePtr = std::any_cast<std::shared_ptr<ConnectionState>>(conn->getMutableContext());
  if (statePtr == nullptr) {
    // Taken over by a protocol earlier (the context is its own now).
    if (ProtocolHandler* owner = ownerOf(conn.get(), /*forget=*/false)) {
      owner->onMessage(conn, buf, receiveTime);
    } else {
      buf->retrieveAll();
    }
    return;
  }
  ConnectionState* state = statePtr->get();
  if (!state->sawFrame) {
    const std::string_view firstBytes = buf->view().substr(0, 8);
    for (const auto& protocol : protocols_) {
      if (!protocol->matches(firstBytes)) continue;
      {
        MutexLock lock(&ownersMutex_);
        owners_[conn.get()] = protocol.get();
      }
      // No MRPC call ran on it, so the state holds nothing to cancel.
      conn->setContext(std::any());
      protocol->onMessage(conn, buf, receiveTime);
      return;
    }
  }
  DecodedFrame& frame = state->frame;
  std::string error;
  // Past the output budget the rest waits in the buffer (and the kernel);
  // the connection calls back with it once the client has read enough.
  while (!conn->outputBudgetExceeded()) {
    switch (decodeFrame(*buf, options_.maxFrameSize, &frame, &error)) {
      case DecodeStatus::kNeedMore:
        return;
      case DecodeStatus::kError:
        LOG_ERROR << "RpcServer: closing " << conn->peerAddress().toIpPort() << ": " << error;
        buf->retrieveAll();
        conn->forceClose();
        return;
      case DecodeStatus::kFrame:
        break;
    }
    state->sawFrame = true;
    switch (frame.meta.type()) {
      case RpcMeta::REQUEST:
        if (!handleRequest(conn, state, frame)) {
          buf->retrieveAll();
          return;
        }
        break;
      case RpcMeta::CANCEL:
        // No answer to a CANCEL; one for a call already over is ignored.
        if (auto it = state->live.find(frame.meta.call_id()); it != state->live.end()) {
          if (auto call = it->second.lock()) call->cancel();
          state->live.erase(it);
        }
        break;
      default:
        LOG_ERROR << "RpcServer: closing " << conn->peerAddress().toIpPort()
                  << ": a client sent a frame of type " << static_cast<int>(frame.meta.type());
        buf->retrieveAll();
        conn->forceClose();
        return;
    }
    buf->retrieve(frame.frameLength);
  }
}

bool RpcServer::handleRequest(const net::TcpConnectionPtr& conn, ConnectionState* state,
                              const DecodedFrame& frame) {
  const MetaView& meta = frame.meta;
  if (state->running(meta.call_id())) {
    // Two calls under one id cannot be told apart by their answers.
    LOG_ERROR << "RpcServer: closing " << conn->peerAddress().toIpPort() << ": call_id "
              << meta.call_id() << " reused while that call is still running";
    conn->forceClose();
    return false;
  }
  // One clock read for the deadline and the start of the call's latency.
  const auto now = std::chrono::steady_clock::now();
  auto call = ServerCall::make(conn, meta.call_id(), frame.payload,
                               deadlineFor(now, meta.timeout_us()), now);
  call->trackInFlight(inFlight_);
  if (meta.timeout_us() < 0) {
    call->finish(absl::InvalidArgumentError("timeout_us must not be negative"), nullptr);
    return true;
  }
  ConnectionState::ResolvedMethod& resolved = state->lastMethod;
  if (resolved.target == nullptr || resolved.method != meta.method() ||
      resolved.service != meta.service()) {
    Service* target = findService(meta.service());
    if (target == nullptr) {
      call->finish(
          absl::UnimplementedError(absl::StrCat("unknown service ", std::string(meta.service()))),
          nullptr);
      return true;
    }
    // Copied into storage that keeps its capacity: a client alternating
    // between methods costs a copy, never an allocation per call.
    resolved.service.assign(meta.service());
    resolved.method.assign(meta.method());
    resolved.target = target;
    resolved.stats = stats_->entryFor(meta.service(), meta.method());
  }
  Service* service = resolved.target;
  call->trackStats(stats_, resolved.stats);
  if (workers_ != nullptr) {
    // Reachable by CANCEL and the deadline while it waits in the queue.
    call->ownPayload();
    state->add(call);
    call->armDeadline(conn->getLoop());
  }
  runCall(service, meta.method(), call);
  // Still running in this thread's handler (answered later, or a stream):
  // make it reachable by CANCEL, and give it a deadline timer.
  if (workers_ == nullptr && !call->finished() && call.use_count() > 1) {
    state->add(call);
    call->armDeadline(conn->getLoop());
  }
  return true;
}

void RpcServer::dispatch(Service* service, const std::string& method,
                         const std::shared_ptr<ServerCall>& call) {
  call->trackInFlight(inFlight_);
  call->trackStats(stats_, stats_->entryFor(service->serviceName(), method));
  runCall(service, method, call);
}

void RpcServer::runCall(Service* service, std::string_view method,
                        const std::shared_ptr<ServerCall>& call) {
  if (workers_ != nullptr) {
    // The view points into the connection's input: the worker gets a copy.
    const bool queued = workers_->tryRun([service, call, method = std::string(method)] {
      // Cancelled or expired while it waited in the queue: nobody wants it.
      if (call->isCancelled()) return;
      if (!service->callMethod(method, call)) {
        call->finish(absl::UnimplementedError(absl::StrCat(
                         "unknown method ", std::string(service->serviceName()), ".", method)),
                     nullptr);
      }
    });
    if (!queued) {
      call->finish(absl::ResourceExhaustedError("server worker queue is full"), nullptr);
    }
    return;
  }
  if (!service->callMethod(method, call)) {
    call->finish(
        absl::UnimplementedError(absl::StrCat(
            "unknown method ", std::string(service->serviceName()), ".", std::string(method))),
        nullptr);
  }
}

}  // namespace muduo::rpc
