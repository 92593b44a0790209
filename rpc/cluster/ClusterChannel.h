// ClusterChannel: a Channel over every endpoint a Resolver names, with one
// RpcChannel (one connection) per live endpoint, opened and closed as the
// resolver's list changes. A removed endpoint takes no new calls; its calls
// in flight finish (or fail) on their own and then its connection closes.
//
// Each unary call goes to the endpoint the load-balancing policy picks
// (LoadBalancer.h). Around the policy:
// - Before the first list arrives, calls wait within their deadlines; if the
//   resolver reports an error instead, they fail with UNAVAILABLE naming it
//   (CallOptions::waitForReady keeps them waiting).
// - Retries: a call that fails with UNAVAILABLE and provably never reached a
//   server (RpcChannel::neverReachedServer: the connection was not up) is
//   sent again to an endpoint it has not tried, within its deadline and up
//   to Options::maxAttempts. A call whose request may have reached a server
//   is never resent: the server may have run it.
// - Backup requests (CallOptions::backupDelay): after the delay a copy goes
//   to a second endpoint; the first answer wins and the other copy is
//   cancelled (a CANCEL frame). An UNAVAILABLE from one copy waits for the
//   other.
// - A RetryBudget (RetryBudget.h) allows retries and backups only while
//   enough recent attempts succeed, so neither can multiply an outage.
// - Outlier detection: an endpoint whose attempts fail with UNAVAILABLE or
//   INTERNAL (or DEADLINE_EXCEEDED, see Options::ejectOnDeadlines)
//   `failuresToEject` times in a row is ejected for a back-off that
//   doubles each time it is ejected again (up to maxEjection); then one call
//   probes it, and only if that call is answered does it get full traffic
//   again. At most maxEjectedFraction of the endpoints (at least one, never
//   all) are ejected at once, so a cluster-wide failure still reaches
//   servers.
// - An endpoint whose connection dropped after it had answered takes no new
//   calls until it reconnects (its RpcChannel retries with back-off), unless
//   no other endpoint is usable.
// - Streams go to one endpoint and are never retried once started.
// - Pinned calls (CallOptions::endpoint) skip the policy and go to the named
//   endpoint even if it is ejected or disconnected: no retry and no backup
//   goes elsewhere (another endpoint would not serve it, as with a key's
//   shard). The sub-channel's reconnect and fail-fast still apply, so to a
//   down endpoint the call fails at once with UNAVAILABLE; one naming an
//   endpoint not in the list fails at once too (before the first list, it
//   waits for it as any call does).
//
// All sub-channels run in this channel's loop. For more client threads, make
// one ClusterChannel per loop.
//
// Thread contract: as Channel. Construct and destroy in the loop thread, or
// in another thread while the loop runs. stats() from any thread;
// endpoints() from any thread but blocks for the loop unless called in it.
#ifndef RPC_CLUSTER_CLUSTERCHANNEL_H_
#define RPC_CLUSTER_CLUSTERCHANNEL_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "rpc/Channel.h"
#include "rpc/RpcChannel.h"
#include "rpc/cluster/LoadBalancer.h"
#include "rpc/naming/Resolver.h"

namespace muduo::rpc::cluster {

class ClusterChannel final : public Channel {
 public:
  struct Options {
    Policy policy = Policy::kRoundRobin;
    // For every sub-channel; its defaultTimeout is also the cluster's.
    RpcChannel::Options channel;
    // Outlier detection.
    int failuresToEject = 5;
    std::chrono::milliseconds baseEjection{1000};
    std::chrono::milliseconds maxEjection{30000};
    double maxEjectedFraction = 0.5;
    // A partitioned or hung server never closes its connection: no RST, no
    // FIN, its calls only run out of time. Counting an attempt that expired
    // unanswered as a failure ejects it like a crashed one. Turn it off for
    // a service whose callers set deadlines shorter than its normal latency.
    bool ejectOnDeadlines = true;
    // Attempts per call, the first included; retries need a budget too.
    int maxAttempts = 3;
    double retryBudgetTokens = 10;
    double retryBudgetPerSuccess = 0.1;
    // Seeds the random policies; 0 picks a random seed.
    uint64_t seed = 0;
  };

  // Counters since construction; any thread.
  struct Stats {
    int64_t calls = 0;
    int64_t failed = 0;
    int64_t retries = 0;
    int64_t retriesDenied = 0;  // wanted a retry or a backup, the budget said no
    int64_t backups = 0;
    int64_t backupWins = 0;
    int64_t ejections = 0;

    // "calls N, failed N, retries N, ..." for logs and test output.
    [[nodiscard]] std::string toString() const;
  };

  struct EndpointState {
    std::string address;
    uint32_t weight = 0;
    int outstanding = 0;
    bool ejected = false;
    double latencyEwmaUs = 0;
    int64_t answered = 0;  // attempts it answered (any status but UNAVAILABLE/INTERNAL)
  };

  // `target` names the service in error messages (the URL, say).
  ClusterChannel(net::EventLoop* loop, std::unique_ptr<naming::Resolver> resolver,
                 const Options& options, std::string target = "");
  // The resolver the URL asks for (naming::makeResolver); INVALID_ARGUMENT
  // for a bad URL.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ClusterChannel>> create(
      net::EventLoop* loop, std::string_view url, const Options& options);
  ~ClusterChannel() override;
  ClusterChannel(const ClusterChannel&) = delete;
  ClusterChannel& operator=(const ClusterChannel&) = delete;

  [[nodiscard]] net::EventLoop* loop() const override { return loop_; }
  uint64_t startCall(std::string_view service, std::string_view method,
                     const google::protobuf::MessageLite& request, ResponseHandler done,
                     const CallOptions& options = CallOptions()) override;
  uint64_t startStream(std::string_view service, std::string_view method,
                       const google::protobuf::MessageLite& request, StreamHandler onMessage,
                       ResponseHandler onFinish,
                       const CallOptions& options = CallOptions()) override;
  void cancel(uint64_t callId) override;

  [[nodiscard]] Stats stats() const;
  [[nodiscard]] std::vector<EndpointState> endpoints() const;

 private:
  class Impl;
  struct Call;
  uint64_t start(std::unique_ptr<Call> call);

  net::EventLoop* const loop_;
  const std::chrono::microseconds defaultTimeout_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace muduo::rpc::cluster

#endif  // RPC_CLUSTER_CLUSTERCHANNEL_H_
