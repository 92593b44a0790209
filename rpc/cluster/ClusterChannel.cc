#include "rpc/cluster/ClusterChannel.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "google/protobuf/message_lite.h"
#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"
#include "rpc/cluster/RetryBudget.h"
#include "rpc/naming/Naming.h"

namespace muduo::rpc::cluster {

// Named, not anonymous: ClusterChannel::Call holds these.
namespace detail {

using Clock = std::chrono::steady_clock;

// How much a new latency sample moves the average.
constexpr double kEwmaAlpha = 0.3;

// The failures that count against an endpoint: it could not be reached or
// broke. An application's own error (NOT_FOUND, say) is an answer.
bool countsAgainstEndpoint(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kInternal;
}

// One endpoint's connection and what the balancer and the outlier detector
// know of it. Loop thread only.
struct Sub {
  Backend backend;
  std::unique_ptr<RpcChannel> channel;
  bool removed = false;  // left the list; draining
  // Calls it answered. Once it has, if its connection drops, it takes no
  // new calls until the connection is back.
  int64_t answered = 0;
  int consecutiveFailures = 0;
  bool ejected = false;
  bool probeInFlight = false;
  int ejectionCount = 0;
  Clock::time_point ejectedUntil;
  Clock::time_point restoredAt;
};
struct Attempt {
  uint32_t seq;
  Sub* sub;
  uint64_t subCallId = 0;
  Clock::time_point started;
  bool probe = false;
  bool backup = false;
};

}  // namespace detail

using detail::Attempt;
using detail::Clock;
using detail::countsAgainstEndpoint;
using detail::kEwmaAlpha;
using detail::Sub;

// One cluster call, owned by the loop thread from start() on.
struct ClusterChannel::Call {
  uint64_t id = 0;
  std::string service;
  std::string method;
  std::string request;  // serialized once, sent by every attempt
  ResponseHandler done;
  // Streams only; shared so a handler that cancels its own stream is not
  // destroyed while it runs.
  std::shared_ptr<StreamHandler> onMessage;
  bool stream = false;
  bool waitForReady = false;
  bool waiting = false;  // for an endpoint list
  Clock::time_point deadline = Clock::time_point::max();
  std::optional<uint64_t> key;
  std::chrono::microseconds backupDelay{0};
  std::string endpoint;  // pinned ("ip:port"), or empty
  int attempts = 0;
  uint32_t attemptSeq = 0;
  absl::Status lastError;
  net::TimerId timer;  // the wait for a list, then the backup delay
  // Inline: most calls make one attempt, none more than maxAttempts + 1.
  absl::InlinedVector<Attempt, 2> live;  // attempts sent and not completed
  absl::InlinedVector<Sub*, 2> tried;    // endpoints tried, in order
};

class ClusterChannel::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(net::EventLoop* loop, std::unique_ptr<naming::Resolver> resolver, const Options& options,
       std::string target)
      : loop_(loop),
        options_(options),
        target_(std::move(target)),
        resolver_(std::move(resolver)),
        lb_(makeLoadBalancer(options.policy,
                             options.seed != 0 ? options.seed : std::random_device()())),
        budget_(options.retryBudgetTokens, options.retryBudgetPerSuccess) {}

  void start() {
    resolver_->start(
        loop_, [weak = weak_from_this()](const absl::StatusOr<naming::EndpointList>& endpoints) {
          if (auto self = weak.lock()) self->onResolved(endpoints);
        });
  }

  uint64_t nextId() { return nextId_.fetch_add(1, std::memory_order_relaxed); }

  void startInLoop(std::unique_ptr<Call> owned) {
    loop_->assertInLoopThread();
    stats_.calls.fetch_add(1, std::memory_order_relaxed);
    if (closed_) {
      std::move(owned->done)(absl::CancelledError("ClusterChannel destroyed"), {});
      return;
    }
    Call* call = owned.get();
    const uint64_t id = call->id;
    calls_.emplace(id, std::move(owned));
    dispatch(call);
    dispatched(id);
  }

  void mute(uint64_t id) {
    if (Call* call = find(id)) call->onMessage = nullptr;
  }

  void cancelInLoop(uint64_t id) {
    if (Call* call = find(id)) finish(call, absl::CancelledError("cancelled by the client"), {});
  }

  Stats stats() const {
    Stats s;
    s.calls = stats_.calls.load(std::memory_order_relaxed);
    s.failed = stats_.failed.load(std::memory_order_relaxed);
    s.retries = stats_.retries.load(std::memory_order_relaxed);
    s.retriesDenied = stats_.retriesDenied.load(std::memory_order_relaxed);
    s.backups = stats_.backups.load(std::memory_order_relaxed);
    s.backupWins = stats_.backupWins.load(std::memory_order_relaxed);
    s.ejections = stats_.ejections.load(std::memory_order_relaxed);
    return s;
  }

  std::vector<EndpointState> endpoints() const {
    std::vector<EndpointState> out;
    for (const Sub* sub : live_) {
      out.push_back(EndpointState{sub->backend.name, sub->backend.weight, sub->backend.outstanding,
                                  sub->ejected, sub->backend.latencyEwmaUs, sub->answered});
    }
    return out;
  }

  // From ~ClusterChannel, in the loop thread.
  void close() {
    closed_ = true;
    resolver_->stop();
    // Finishing a call takes it out of calls_; its handler may start more,
    // which fail at once now.
    while (!calls_.empty()) {
      finish(calls_.begin()->second.get(), absl::CancelledError("ClusterChannel destroyed"), {});
    }
    live_.clear();
    subs_.clear();  // each RpcChannel fails what it still had; no call is left to hear it
    draining_.clear();
  }

 private:
  struct Counters {
    std::atomic<int64_t> calls{0}, failed{0}, retries{0}, retriesDenied{0}, backups{0},
        backupWins{0}, ejections{0};
  };

  Call* find(uint64_t id) {
    auto it = calls_.find(id);
    return it == calls_.end() ? nullptr : it->second.get();
  }

  // --- the endpoint list ---------------------------------------------------

  void onResolved(const absl::StatusOr<naming::EndpointList>& endpoints) {
    if (closed_) return;
    if (!endpoints.ok()) {
      // A resolver errs only before it ever had a list (Resolver.h).
      resolverError_ = endpoints.status();
      LOG_WARN << "ClusterChannel " << target_ << ": resolver: " << resolverError_.ToString();
      if (live_.empty()) failWaiting();
      return;
    }
    resolverError_ = absl::OkStatus();
    absl::flat_hash_map<std::string, std::unique_ptr<Sub>> next;
    std::vector<Sub*> live;
    for (const naming::Endpoint& endpoint : *endpoints) {
      std::string name = endpoint.address.toIpPort();
      if (next.contains(name)) continue;  // listed twice: one connection
      std::unique_ptr<Sub> sub;
      if (auto it = subs_.find(name); it != subs_.end()) {
        sub = std::move(it->second);
        subs_.erase(it);
      } else {
        sub = std::make_unique<Sub>();
        sub->backend.name = name;
        sub->channel = std::make_unique<RpcChannel>(loop_, endpoint.address, options_.channel);
        sub->channel->connect();
      }
      sub->backend.weight = endpoint.weight;
      live.push_back(sub.get());
      next.emplace(std::move(name), std::move(sub));
    }
    // What is left in subs_ has left the list: drain it.
    for (auto& [name, sub] : subs_) {
      sub->removed = true;
      if (sub->ejected) --ejected_;
      LOG_INFO << "ClusterChannel " << target_ << ": " << name << " removed, "
               << sub->backend.outstanding << " calls in flight";
      if (sub->backend.outstanding == 0) {
        retire(std::move(sub));
      } else {
        draining_.push_back(std::move(sub));
      }
    }
    subs_ = std::move(next);
    live_ = std::move(live);
    std::vector<const Backend*> backends;
    for (const Sub* sub : live_) backends.push_back(&sub->backend);
    lb_->setBackends(backends);
    if (!live_.empty()) dispatchWaiting();
  }

  // Destroyed later, never inside one of its own channel's handlers.
  void retire(std::unique_ptr<Sub> sub) {
    loop_->queueInLoop([sub = std::shared_ptr<Sub>(std::move(sub))] {});
  }

  void dispatchWaiting() {
    std::vector<uint64_t> waiting = std::move(waiting_);
    waiting_.clear();
    for (uint64_t id : waiting) {
      Call* call = find(id);
      if (call == nullptr || !call->waiting) continue;
      call->waiting = false;
      if (call->timer.valid()) loop_->cancel(call->timer);
      call->timer = net::TimerId();
      dispatch(call);
      dispatched(id);
    }
  }

  void failWaiting() {
    std::vector<uint64_t> waiting = std::move(waiting_);
    waiting_.clear();
    for (uint64_t id : waiting) {
      Call* call = find(id);
      if (call == nullptr || !call->waiting) continue;
      if (call->waitForReady) {
        waiting_.push_back(id);
        continue;
      }
      finish(call, noEndpoints(), {});
    }
  }

  absl::Status noEndpoints() const {
    return absl::UnavailableError("no endpoints for " + target_ + ": " +
                                  std::string(resolverError_.message()));
  }

  // --- picking and sending -------------------------------------------------

  // The endpoints at most maxEjectedFraction of which may be ejected: at
  // least one of two or more, never the last.
  size_t ejectionsAllowed() const {
    const size_t n = live_.size();
    if (n <= 1) return 0;
    const auto fraction = static_cast<size_t>(options_.maxEjectedFraction * static_cast<double>(n));
    return std::min(n - 1, std::max<size_t>(1, fraction));
  }

  bool usable(const Sub& sub, Clock::time_point now, bool strict) const {
    if (sub.backend.weight == 0) return false;
    if (sub.ejected && (now < sub.ejectedUntil || sub.probeInFlight)) return false;
    if (strict && sub.answered > 0 && !sub.channel->connected()) return false;
    return true;
  }

  Sub* pick(const Call& call, const absl::InlinedVector<Sub*, 2>& tried, Clock::time_point now) {
    for (bool strict : {true, false}) {
      const int i = lb_->pick(call.key, [&](size_t index) {
        const Sub* sub = live_[index];
        return usable(*sub, now, strict) &&
               std::find(tried.begin(), tried.end(), sub) == tried.end();
      });
      if (i >= 0) return live_[static_cast<size_t>(i)];
    }
    return nullptr;
  }

  // Sends `call` to an endpoint it has not tried, or finishes it.
  void dispatch(Call* call) {
    const Clock::time_point now = Clock::now();
    if (now >= call->deadline) {
      finish(call, absl::DeadlineExceededError("deadline exceeded"), {});
      return;
    }
    Sub* sub = call->endpoint.empty() ? pick(*call, call->tried, now) : pinned(*call);
    if (sub != nullptr) {
      startAttempt(call, sub, now, false);
      return;
    }
    if (live_.empty() && call->attempts == 0) {
      if (!resolverError_.ok() && !call->waitForReady) {
        finish(call, noEndpoints(), {});
      } else {
        wait(call, now);
      }
      return;
    }
    if (!call->endpoint.empty() && call->attempts == 0) {
      finish(call,
             absl::UnavailableError("endpoint " + call->endpoint + " is not among the " +
                                    std::to_string(live_.size()) + " endpoints of " + target_),
             {});
      return;
    }
    finish(call,
           call->lastError.ok() ? absl::UnavailableError("no usable endpoint for " + target_ +
                                                         " among " + std::to_string(live_.size()))
                                : call->lastError,
           {});
  }

  // A pinned call's endpoint, whatever its state: the caller chose it, so
  // ejection and a dropped connection do not send the call elsewhere; the
  // sub-channel fails it fast if it cannot connect.
  Sub* pinned(const Call& call) const {
    auto it = subs_.find(call.endpoint);
    return it == subs_.end() ? nullptr : it->second.get();
  }

  void wait(Call* call, Clock::time_point now) {
    call->waiting = true;
    waiting_.push_back(call->id);
    if (call->deadline == Clock::time_point::max()) return;
    const auto delay = std::chrono::ceil<std::chrono::microseconds>(call->deadline - now);
    call->timer = loop_->runAfter(delay, [weak = weak_from_this(), id = call->id] {
      auto self = weak.lock();
      if (self == nullptr) return;
      if (Call* c = self->find(id); c != nullptr && c->waiting) {
        c->timer = net::TimerId();
        self->finish(c,
                     absl::DeadlineExceededError("deadline exceeded waiting for endpoints of " +
                                                 self->target_),
                     {});
      }
    });
  }

  // After dispatch(): a unary call that is now out on an endpoint gets its
  // backup timer.
  void dispatched(uint64_t id) {
    Call* call = find(id);
    if (call != nullptr && !call->stream && !call->waiting && call->endpoint.empty() &&
        call->backupDelay.count() > 0) {
      armBackup(call);
    }
  }

  void armBackup(Call* call) {
    call->timer = loop_->runAfter(call->backupDelay, [weak = weak_from_this(), id = call->id] {
      if (auto self = weak.lock()) self->onBackupDue(id);
    });
  }

  void onBackupDue(uint64_t id) {
    Call* call = find(id);
    if (call == nullptr) return;
    call->timer = net::TimerId();
    if (call->live.size() != 1) return;
    if (!budget_.allowRetry()) {
      stats_.retriesDenied.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    const Clock::time_point now = Clock::now();
    if (now >= call->deadline) return;
    Sub* sub = pick(*call, call->tried, now);
    if (sub == nullptr) return;
    stats_.backups.fetch_add(1, std::memory_order_relaxed);
    startAttempt(call, sub, now, true);
  }

  void startAttempt(Call* call, Sub* sub, Clock::time_point now, bool backup) {
    const uint64_t id = call->id;
    const uint32_t seq = ++call->attemptSeq;
    ++call->attempts;
    // A pinned call is not the probe: it would have gone there anyway.
    const bool probe = sub->ejected && call->endpoint.empty();
    if (probe) sub->probeInFlight = true;
    ++sub->backend.outstanding;
    call->tried.push_back(sub);
    call->live.push_back(Attempt{seq, sub, 0, now, probe, backup});
    CallOptions options;
    options.waitForReady = call->waitForReady;
    if (call->deadline != Clock::time_point::max()) {
      options.timeout =
          std::max(std::chrono::microseconds(1),
                   std::chrono::ceil<std::chrono::microseconds>(call->deadline - now));
    }
    ResponseHandler done = [weak = weak_from_this(), id, seq](absl::Status status,
                                                              std::string_view payload) {
      if (auto self = weak.lock()) self->onAttemptDone(id, seq, std::move(status), payload);
    };
    // The handler may run before this returns (a channel that cannot
    // connect fails at once), so `call` is looked up again afterwards.
    uint64_t subCallId;
    if (call->stream) {
      subCallId = sub->channel->startSerializedStream(
          call->service, call->method, call->request,
          [weak = weak_from_this(), id](std::string_view payload) {
            if (auto self = weak.lock()) self->deliver(id, payload);
          },
          std::move(done), options);
    } else {
      subCallId = sub->channel->startSerializedCall(call->service, call->method, call->request,
                                                    std::move(done), options);
    }
    if (Call* still = find(id)) {
      for (Attempt& attempt : still->live) {
        if (attempt.seq == seq) attempt.subCallId = subCallId;
      }
    }
  }

  void deliver(uint64_t id, std::string_view payload) {
    Call* call = find(id);
    if (call == nullptr || call->onMessage == nullptr) return;
    std::shared_ptr<StreamHandler> handler = call->onMessage;
    (*handler)(payload);
  }

  // --- completions -----------------------------------------------------------

  void onAttemptDone(uint64_t id, uint32_t seq, absl::Status status, std::string_view payload) {
    Call* call = find(id);
    if (call == nullptr) return;  // finished; its attempts were released then
    auto& live = call->live;
    auto a =
        std::find_if(live.begin(), live.end(), [seq](const Attempt& x) { return x.seq == seq; });
    if (a == live.end()) return;
    const Attempt attempt = *a;
    live.erase(a);
    const bool othersLive = !live.empty();
    release(attempt, &status);
    if (status.code() != absl::StatusCode::kUnavailable) {
      if (attempt.backup && status.ok()) {
        stats_.backupWins.fetch_add(1, std::memory_order_relaxed);
      }
      finish(call, std::move(status), payload);
      return;
    }
    call->lastError = status;
    if (othersLive) return;  // the other copy may still answer
    if (!call->stream && call->endpoint.empty() && RpcChannel::neverReachedServer(status) &&
        call->attempts < options_.maxAttempts) {
      if (budget_.allowRetry()) {
        stats_.retries.fetch_add(1, std::memory_order_relaxed);
        dispatch(call);
        return;
      }
      stats_.retriesDenied.fetch_add(1, std::memory_order_relaxed);
    }
    finish(call, std::move(status), payload);
  }

  // An attempt is over: its endpoint's books. `status` is null for an
  // attempt abandoned because its call finished another way.
  void release(const Attempt& attempt, const absl::Status* status) {
    Sub* sub = attempt.sub;
    --sub->backend.outstanding;
    if (attempt.probe) sub->probeInFlight = false;
    if (status != nullptr && !sub->removed) {
      const Clock::time_point now = Clock::now();
      if (countsAgainstEndpoint(*status) ||
          (options_.ejectOnDeadlines && status->code() == absl::StatusCode::kDeadlineExceeded)) {
        budget_.onFailure();
        ++sub->consecutiveFailures;
        if (attempt.probe && sub->ejected) {
          eject(sub, now);  // the probe failed: a longer back-off
        } else if (!sub->ejected && sub->consecutiveFailures >= options_.failuresToEject) {
          eject(sub, now);
        }
      } else if (status->code() != absl::StatusCode::kCancelled &&
                 status->code() != absl::StatusCode::kDeadlineExceeded) {
        // An answer, even an application's error.
        budget_.onSuccess();
        ++sub->answered;
        sub->consecutiveFailures = 0;
        const double us = static_cast<double>(
            std::chrono::duration_cast<std::chrono::microseconds>(now - attempt.started).count());
        double& ewma = sub->backend.latencyEwmaUs;
        ewma = ewma == 0 ? us : ewma + kEwmaAlpha * (us - ewma);
        if (sub->ejected) restore(sub, now);
      }
    }
    if (sub->removed && sub->backend.outstanding == 0) {
      auto it = std::find_if(draining_.begin(), draining_.end(),
                             [sub](const std::unique_ptr<Sub>& d) { return d.get() == sub; });
      if (it != draining_.end()) {
        retire(std::move(*it));
        draining_.erase(it);
      }
    }
  }

  void eject(Sub* sub, Clock::time_point now) {
    if (!sub->ejected) {
      if (ejected_ >= ejectionsAllowed()) return;  // keep serving from what is left
      sub->ejected = true;
      ++ejected_;
      // A long healthy spell forgets earlier ejections.
      if (now - sub->restoredAt > options_.maxEjection) sub->ejectionCount = 0;
    }
    const int shift = std::min(sub->ejectionCount, 20);
    const auto backoff = std::min(options_.baseEjection * (int64_t{1} << shift),
                                  std::chrono::milliseconds(options_.maxEjection));
    ++sub->ejectionCount;
    sub->ejectedUntil = now + backoff;
    stats_.ejections.fetch_add(1, std::memory_order_relaxed);
    LOG_WARN << "ClusterChannel " << target_ << ": ejecting " << sub->backend.name << " for "
             << backoff.count() << " ms after " << sub->consecutiveFailures << " failures";
  }

  void restore(Sub* sub, Clock::time_point now) {
    sub->ejected = false;
    --ejected_;
    sub->restoredAt = now;
    LOG_INFO << "ClusterChannel " << target_ << ": " << sub->backend.name << " is back";
  }

  // Completes a call once: the other copies are cancelled, the handler runs.
  void finish(Call* call, absl::Status status, std::string_view payload) {
    const uint64_t id = call->id;
    auto node = calls_.extract(id);
    std::unique_ptr<Call> owned = std::move(node.mapped());
    if (owned->timer.valid()) loop_->cancel(owned->timer);
    for (const Attempt& attempt : owned->live) {
      attempt.sub->channel->cancel(attempt.subCallId);
      release(attempt, nullptr);
    }
    if (!status.ok()) stats_.failed.fetch_add(1, std::memory_order_relaxed);
    std::move(owned->done)(std::move(status), payload);
  }

  net::EventLoop* const loop_;
  const Options options_;
  const std::string target_;
  std::unique_ptr<naming::Resolver> resolver_;
  std::atomic<uint64_t> nextId_{1};
  Counters stats_;
  // Everything below: loop thread only.
  std::unique_ptr<LoadBalancer> lb_;
  RetryBudget budget_;
  absl::Status resolverError_;
  absl::flat_hash_map<std::string, std::unique_ptr<Sub>> subs_;  // by "ip:port"
  std::vector<Sub*> live_;  // subs_ in list order: the balancer's indices
  std::vector<std::unique_ptr<Sub>> draining_;
  size_t ejected_ = 0;
  absl::flat_hash_map<uint64_t, std::unique_ptr<Call>> calls_;
  std::vector<uint64_t> waiting_;
  bool closed_ = false;
};

ClusterChannel::ClusterChannel(net::EventLoop* loop, std::unique_ptr<naming::Resolver> resolver,
                               const Options& options, std::string target)
    : loop_(loop),
      defaultTimeout_(options.channel.defaultTimeout),
      impl_(std::make_shared<Impl>(loop, std::move(resolver), options, std::move(target))) {
  loop_->runInLoop([impl = impl_] { impl->start(); });
}

absl::StatusOr<std::unique_ptr<ClusterChannel>> ClusterChannel::create(net::EventLoop* loop,
                                                                       std::string_view url,
                                                                       const Options& options) {
  absl::StatusOr<std::unique_ptr<naming::Resolver>> resolver = naming::makeResolver(url);
  if (!resolver.ok()) return resolver.status();
  return std::make_unique<ClusterChannel>(loop, std::move(*resolver), options, std::string(url));
}

ClusterChannel::~ClusterChannel() {
  runInLoopAndWait(loop_, [this] { impl_->close(); });
}

uint64_t ClusterChannel::start(std::unique_ptr<Call> call) {
  const uint64_t id = call->id;
  if (loop_->isInLoopThread()) {
    impl_->startInLoop(std::move(call));
  } else {
    loop_->runInLoop(
        [impl = impl_, call = std::move(call)]() mutable { impl->startInLoop(std::move(call)); });
  }
  return id;
}

uint64_t ClusterChannel::startCall(std::string_view service, std::string_view method,
                                   const google::protobuf::MessageLite& request,
                                   ResponseHandler done, const CallOptions& options) {
  auto call = std::make_unique<Call>();
  call->id = impl_->nextId();
  call->service = service;
  call->method = method;
  request.SerializeToString(&call->request);
  call->done = std::move(done);
  call->waitForReady = options.waitForReady;
  call->deadline = Clock::now() + (options.timeout.count() > 0 ? options.timeout : defaultTimeout_);
  call->key = options.requestKey;
  call->backupDelay = options.backupDelay;
  call->endpoint = options.endpoint;
  return start(std::move(call));
}

uint64_t ClusterChannel::startStream(std::string_view service, std::string_view method,
                                     const google::protobuf::MessageLite& request,
                                     StreamHandler onMessage, ResponseHandler onFinish,
                                     const CallOptions& options) {
  auto call = std::make_unique<Call>();
  call->id = impl_->nextId();
  call->service = service;
  call->method = method;
  request.SerializeToString(&call->request);
  call->done = std::move(onFinish);
  call->onMessage = std::make_shared<StreamHandler>(std::move(onMessage));
  call->stream = true;
  call->waitForReady = options.waitForReady;
  if (options.timeout.count() > 0) call->deadline = Clock::now() + options.timeout;
  call->key = options.requestKey;
  call->endpoint = options.endpoint;
  return start(std::move(call));
}

void ClusterChannel::cancel(uint64_t callId) {
  // As RpcChannel::cancel: from the loop thread nothing more is delivered,
  // and the call completes after the running handler returns.
  if (loop_->isInLoopThread()) impl_->mute(callId);
  loop_->queueInLoop([impl = impl_, callId] { impl->cancelInLoop(callId); });
}

ClusterChannel::Stats ClusterChannel::stats() const { return impl_->stats(); }

std::vector<ClusterChannel::EndpointState> ClusterChannel::endpoints() const {
  std::vector<EndpointState> out;
  runInLoopAndWait(loop_, [&] { out = impl_->endpoints(); });
  return out;
}

std::string ClusterChannel::Stats::toString() const {
  return "calls " + std::to_string(calls) + ", failed " + std::to_string(failed) + ", retries " +
         std::to_string(retries) + " (" + std::to_string(retriesDenied) +
         " denied by the budget), backups " + std::to_string(backups) + " (" +
         std::to_string(backupWins) + " won), ejections " + std::to_string(ejections);
}

}  // namespace muduo::rpc::cluster
