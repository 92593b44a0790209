// TimerQueue through EventLoop: adding, cancelling and firing 100k timers.
//
//   tools/bazel run --config=opt //muduo/net:TimerQueue_benchmark
#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"

namespace muduo::net {
namespace {

using namespace std::chrono_literals;

constexpr int kTimers = 100000;

// Distinct deadlines an hour out, in a scrambled order, so the heap works.
std::chrono::microseconds farDelay(int i) {
  return 1h + std::chrono::microseconds((i * 7919) % kTimers);
}

// Adds 100k timers from the loop thread (no cross-thread hop).
void BM_Add100kTimers(benchmark::State& state) {
  EventLoop loop;
  std::vector<TimerId> ids(kTimers);
  for (auto _ : state) {
    for (int i = 0; i < kTimers; ++i)
      ids[static_cast<size_t>(i)] = loop.runAfter(farDelay(i), [] {});
    state.PauseTiming();
    for (TimerId id : ids) loop.cancel(id);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kTimers);
}
BENCHMARK(BM_Add100kTimers)->Unit(benchmark::kMillisecond);

// Cancels 100k pending timers from the loop thread.
void BM_Cancel100kTimers(benchmark::State& state) {
  EventLoop loop;
  std::vector<TimerId> ids(kTimers);
  for (auto _ : state) {
    state.PauseTiming();
    for (int i = 0; i < kTimers; ++i)
      ids[static_cast<size_t>(i)] = loop.runAfter(farDelay(i), [] {});
    state.ResumeTiming();
    for (TimerId id : ids) loop.cancel(id);
  }
  state.SetItemsProcessed(state.iterations() * kTimers);
}
BENCHMARK(BM_Cancel100kTimers)->Unit(benchmark::kMillisecond);

// Adds 100k zero-delay timers to a loop running in its own thread and waits
// until all have fired. range(0) == 1: added by the benchmark thread (each add
// hops to the loop through queueInLoop); 0: added by the loop thread itself.
void BM_AddAndFire100kZeroDelay(benchmark::State& state) {
  const bool fromOtherThread = state.range(0) == 1;
  EventLoopThread thread;
  EventLoop* loop = thread.startLoop();
  for (auto _ : state) {
    auto fired = std::make_shared<std::atomic<int>>(0);
    auto done = std::make_shared<CountDownLatch>(1);
    auto addAll = [loop, fired, done] {
      for (int i = 0; i < kTimers; ++i) {
        loop->runAfter(0us, [fired, done] {
          if (fired->fetch_add(1, std::memory_order_relaxed) + 1 == kTimers) done->countDown();
        });
      }
    };
    if (fromOtherThread) {
      addAll();
    } else {
      loop->runInLoop(addAll);
    }
    if (!done->waitFor(60s)) {
      state.SkipWithError("timers did not fire within 60 s");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kTimers);
}
BENCHMARK(BM_AddAndFire100kZeroDelay)
    ->ArgName("fromOtherThread")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace muduo::net
