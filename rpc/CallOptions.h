// CallOptions: per-call settings for client stubs.
//
// A plain value type.
#ifndef RPC_CALLOPTIONS_H_
#define RPC_CALLOPTIONS_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace muduo::rpc {

struct CallOptions {
  // How long to wait for the answer. Zero: the channel's default for unary
  // calls, no deadline for streams.
  std::chrono::microseconds timeout{0};

  // What a call does while the channel cannot connect. False (the default,
  // gRPC's "fail fast"): once an attempt to connect has failed, the call
  // fails at once with UNAVAILABLE and the reason ("connect to
  // 127.0.0.1:9090: Connection refused"), so a user whose server is down
  // hears so instead of waiting out the deadline. True ("wait for ready"):
  // the call waits for the channel's retries to connect, within its
  // deadline. Either way, a call made while the first attempt is still in
  // progress waits for that attempt.
  bool waitForReady = false;

  // Cluster channels only (RpcChannel ignores these three).
  //
  // The request's key for consistent hashing (a user id, a hash of a row
  // key): while the endpoint list does not change, calls with one key go to
  // one endpoint. Without a key, a consistent-hashing channel picks at
  // random.
  std::optional<uint64_t> requestKey;
  // After this long without an answer, a copy of a unary call goes to a
  // second endpoint; the first answer wins and the other is cancelled. Zero:
  // never. Only for idempotent methods: both copies may run.
  std::chrono::microseconds backupDelay{0};
  // Pins the call to one endpoint, "ip:port" as the resolver lists it (the
  // owner of a key's shard, say): the policy is skipped and the call goes
  // there or nowhere. No retry or backup goes to another endpoint, since
  // another would not serve it; a call that cannot be sent fails at once
  // with UNAVAILABLE (the endpoint's own fail-fast), as does one naming an
  // endpoint not in the list. Empty: the policy picks.
  std::string endpoint;
};

}  // namespace muduo::rpc

#endif  // RPC_CALLOPTIONS_H_
