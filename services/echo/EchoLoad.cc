#include "services/echo/EchoLoad.h"

#include <chrono>
#include <memory>
#include <vector>

#include "absl/strings/str_format.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/net/EventLoop.h"
#include "rpc/RpcChannel.h"
#include "services/echo/echo.rpc.h"

namespace muduo::echo {
namespace {

using Clock = std::chrono::steady_clock;

// The whole run's state; touched only in the loop thread once started.
struct Run {
  explicit Run(const LoadOptions& o) : options(o) {}

  const LoadOptions& options;
  std::vector<std::unique_ptr<rpc::RpcChannel>> channels;
  std::vector<std::unique_ptr<EchoService::Stub>> stubs;
  EchoRequest request;
  int64_t issued = 0;
  int64_t completed = 0;
  LoadResult result;
  CountDownLatch done{1};

  void issue(size_t slot) {
    if (issued >= options.calls) return;
    ++issued;
    const auto start = Clock::now();
    stubs[slot % stubs.size()]->AsyncEcho(
        request, [this, slot, start](absl::Status status, EchoResponse*) {
          if (status.ok()) {
            ++result.ok;
            result.latencyNs.record(
                std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
          } else {
            ++result.failed;
          }
          if (++completed == options.calls) {
            done.countDown();
          } else {
            issue(slot);
          }
        });
  }
};

}  // namespace

std::string LoadResult::latencySummary() const {
  auto us = [](int64_t ns) { return static_cast<double>(ns) / 1000.0; };
  return absl::StrFormat("p50 %.1f p99 %.1f p99.9 %.1f max %.1f us", us(latencyNs.percentile(0.5)),
                         us(latencyNs.percentile(0.99)), us(latencyNs.percentile(0.999)),
                         us(latencyNs.max()));
}

LoadResult runLoad(net::EventLoop* loop, const net::InetAddress& server,
                   const LoadOptions& options) {
  Run run(options);
  run.request.set_text(options.text);
  for (int i = 0; i < options.connections; ++i) {
    run.channels.push_back(std::make_unique<rpc::RpcChannel>(loop, server));
    run.channels.back()->connect();
    run.stubs.push_back(std::make_unique<EchoService::Stub>(run.channels.back().get()));
  }
  if (options.calls <= 0) return run.result;
  const auto start = Clock::now();
  loop->runInLoop([&run] {
    for (int i = 0; i < run.options.concurrency; ++i) run.issue(static_cast<size_t>(i));
  });
  run.done.wait();
  run.result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  run.stubs.clear();
  run.channels.clear();  // from this thread while the loop runs: waits for it
  return run.result;
}

}  // namespace muduo::echo
