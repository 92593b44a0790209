#include "services/kv/LoadGenerator.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/Mutex.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "rpc/RpcChannel.h"
#include "services/kv/kv.rpc.h"

namespace muduo::kv {
namespace {

using Clock = std::chrono::steady_clock;

// Shared by every connection of one run.
struct Run {
  explicit Run(const LoadOptions& o) : options(o), value(o.valueSize, 'v') {}
  const LoadOptions& options;
  const std::string value;
  std::atomic<int64_t> issued{0};
  std::atomic<int64_t> completed{0};
  std::atomic<int64_t> errors{0};
  CountDownLatch done{1};
  Mutex mutex;
  std::string firstError ABSL_GUARDED_BY(mutex);
};

// One channel and the calls it keeps in flight. Completions run in its
// loop's thread, so `latenciesNs` needs no lock.
class Connection {
 public:
  Connection(net::EventLoop* loop, const net::InetAddress& server, Run* run)
      : channel_(std::make_unique<rpc::RpcChannel>(loop, server)),
        stub_(channel_.get()),
        run_(run) {
    channel_->connect();
  }
  // Calls still in flight (after a timeout) fail inside the channel's
  // destructor; they must find nothing to do.
  ~Connection() {
    closing_ = true;
    channel_.reset();
  }

  [[nodiscard]] bool connected() const { return channel_->connected(); }
  [[nodiscard]] net::EventLoop* loop() const { return channel_->loop(); }
  [[nodiscard]] const std::vector<int64_t>& latenciesNs() const { return latenciesNs_; }

  // Loop thread: starts the next call, if any are left.
  void issue() {
    const int64_t index = run_->issued.fetch_add(1, std::memory_order_relaxed);
    if (index >= run_->options.calls) return;
    const std::string key = absl::StrCat("key", index % run_->options.keys);
    const Clock::time_point start = Clock::now();
    if (run_->options.op == LoadOptions::Op::kGet) {
      GetRequest request;
      request.set_key(key);
      stub_.AsyncGet(request,
                     [this, start](absl::Status status, GetResponse*) { finish(start, status); });
    } else {
      PutRequest request;
      request.set_key(key);
      request.set_value(run_->value);
      stub_.AsyncPut(request,
                     [this, start](absl::Status status, PutResponse*) { finish(start, status); });
    }
  }

 private:
  void finish(Clock::time_point start, const absl::Status& status) {
    if (closing_) return;
    latenciesNs_.push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
    if (!status.ok() && run_->errors.fetch_add(1) == 0) {
      MutexLock lock(&run_->mutex);
      run_->firstError = status.ToString();
    }
    if (run_->completed.fetch_add(1) + 1 == run_->options.calls) run_->done.countDown();
    issue();
  }

  std::unique_ptr<rpc::RpcChannel> channel_;
  KvService::Stub stub_;
  Run* const run_;
  std::vector<int64_t> latenciesNs_;
  bool closing_ = false;  // set before the channel goes; read in the loop thread
};

int64_t percentileUs(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<size_t>(q * static_cast<double>(sorted.size() - 1));
  return sorted[index] / 1000;
}

}  // namespace

std::string LoadResult::summary() const {
  std::string text = absl::StrFormat(
      "%d calls in %.2f s: %.0f calls/s, latency p50 %d us, p99 %d us, p99.9 %d us, max %d us",
      ok + errors, seconds, callsPerSecond(), p50Us, p99Us, p999Us, maxUs);
  if (errors > 0) absl::StrAppend(&text, "; ", errors, " errors, the first: ", firstError);
  return text;
}

LoadResult runLoad(const net::InetAddress& server, const LoadOptions& options) {
  Run run(options);
  std::vector<std::unique_ptr<net::EventLoopThread>> threads;
  std::vector<net::EventLoop*> loops;
  for (int i = 0; i < std::max(1, options.threads); ++i) {
    threads.push_back(std::make_unique<net::EventLoopThread>());
    loops.push_back(threads.back()->startLoop());
  }
  std::vector<std::unique_ptr<Connection>> connections;
  for (int i = 0; i < options.connections; ++i) {
    connections.push_back(
        std::make_unique<Connection>(loops[static_cast<size_t>(i) % loops.size()], server, &run));
  }
  // Connect first, so connection set-up is not counted as latency.
  const Clock::time_point connectDeadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < connectDeadline &&
         !std::all_of(connections.begin(), connections.end(),
                      [](const auto& c) { return c->connected(); })) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  LoadResult result;
  const Clock::time_point start = Clock::now();
  if (options.calls > 0) {
    for (auto& connection : connections) {
      Connection* c = connection.get();
      c->loop()->runInLoop([c, n = options.concurrency] {
        for (int i = 0; i < n; ++i) c->issue();
      });
    }
    if (!run.done.waitFor(std::chrono::duration_cast<std::chrono::milliseconds>(options.timeout))) {
      result.firstError = "timed out";
      run.issued.store(options.calls);  // issue nothing more
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();

  // Stop the loops before reading what they recorded; the channels die
  // after, in this thread, while no loop runs (as the destructor allows).
  std::vector<int64_t> latencies;
  for (auto& connection : connections) {
    Connection* c = connection.get();
    CountDownLatch copied(1);
    c->loop()->runInLoop([c, &latencies, &copied] {
      latencies.insert(latencies.end(), c->latenciesNs().begin(), c->latenciesNs().end());
      copied.countDown();
    });
    copied.wait();
  }
  connections.clear();
  threads.clear();

  std::sort(latencies.begin(), latencies.end());
  result.errors = run.errors.load();
  result.ok = static_cast<int64_t>(latencies.size()) - result.errors;
  {
    MutexLock lock(&run.mutex);
    if (result.firstError.empty()) result.firstError = run.firstError;
  }
  result.p50Us = percentileUs(latencies, 0.50);
  result.p99Us = percentileUs(latencies, 0.99);
  result.p999Us = percentileUs(latencies, 0.999);
  result.maxUs = latencies.empty() ? 0 : latencies.back() / 1000;
  return result;
}

}  // namespace muduo::kv
