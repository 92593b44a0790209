#include "rpc/testing/TestService.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "muduo/base/CurrentThread.h"
#include "muduo/net/EventLoop.h"
#include "rpc/testing/test_messages.pb.h"

namespace muduo::rpc::testing {
namespace {

constexpr std::chrono::seconds kGateTimeout{10};

bool parseRequest(const std::shared_ptr<ServerCall>& call, EchoRequest* request) {
  const std::string_view payload = call->requestPayload();
  return request->ParseFromArray(payload.data(), static_cast<int>(payload.size()));
}

// Waits on `cond` until pred() holds or `timeout` passes; `mutex` held.
template <typename Pred>
bool waitUntil(Mutex* mutex, Condition* cond, std::chrono::milliseconds timeout, Pred pred)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= left.zero()) return false;
    cond->waitFor(mutex, left);
  }
  return true;
}

}  // namespace

// A Ticker's state, carried from one timer to the next in its loop thread.
struct TestService::Ticker {
  ServerWriter<EchoResponse> writer;
  net::EventLoop* loop;
  std::chrono::milliseconds interval;
  int64_t written = 0;
};

// A Stream's state, carried from one onReady to the next.
struct TestService::Streamer {
  ServerWriter<EchoResponse> writer;
  std::string text;
  int count;
  int next = 0;
};

bool TestService::callMethod(std::string_view method, const std::shared_ptr<ServerCall>& call) {
  {
    MutexLock lock(&mutex_);
    ++callsReceived_;
  }
  const bool unary = method == "Echo" || method == "Hold" || method == "Block";
  const bool streaming = method == "Stream" || method == "Ticker";
  if (!unary && !streaming) return false;
  EchoRequest request;
  if (!parseRequest(call, &request)) {
    const absl::Status invalid = absl::InvalidArgumentError("request does not parse");
    if (unary) {
      call->finish(invalid, nullptr);
    } else {
      call->finishStream(invalid);
    }
    return true;
  }

  if (method == "Echo") {
    echo(call, std::move(request));
  } else if (method == "Hold") {
    MutexLock lock(&mutex_);
    held_.push_back(call);
    changed_.notifyAll();
  } else if (method == "Block") {
    bool opened;
    {
      MutexLock lock(&mutex_);
      ++blocked_;
      changed_.notifyAll();
      opened = waitUntil(&mutex_, &changed_, kGateTimeout,
                         [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return gateOpen_; });
      --blocked_;
    }
    if (!opened) {
      call->finish(absl::AbortedError("the gate never opened"), nullptr);
      return true;
    }
    EchoResponse response;
    response.set_text(request.text());
    call->finish(absl::OkStatus(), &response);
  } else if (method == "Stream") {
    auto streamer = std::make_shared<Streamer>(
        Streamer{ServerWriter<EchoResponse>(call), request.text(), request.count()});
    call->onCancel([this] { streamsCancelled_.fetch_add(1); });
    pump(streamer);
  } else {  // Ticker
    net::EventLoop* loop = net::EventLoop::getEventLoopOfCurrentThread();
    if (loop == nullptr) {
      call->finishStream(absl::FailedPreconditionError("Ticker needs an I/O thread"));
      return true;
    }
    auto ticker = std::make_shared<Ticker>(
        Ticker{ServerWriter<EchoResponse>(call), loop,
               std::chrono::milliseconds(std::max(request.delay_ms(), 1)), 0});
    loop->runAfter(ticker->interval, [this, ticker] { tick(ticker); });
  }
  return true;
}

void TestService::echo(const std::shared_ptr<ServerCall>& call, EchoRequest request) {
  {
    MutexLock lock(&mutex_);
    ++echoReceived_;
    echoThreads_.insert(CurrentThread::tid());
    echoPeers_.insert(call->peer().toIpPort());
    changed_.notifyAll();
  }
  std::string text = request.text();
  for (int i = 1; i < request.count(); ++i) text += request.text();
  if (request.delay_ms() <= 0) {
    answerEcho(call, text);
    return;
  }
  net::EventLoop* loop = net::EventLoop::getEventLoopOfCurrentThread();
  if (loop == nullptr) {
    call->finish(absl::FailedPreconditionError("a delayed Echo needs an I/O thread"), nullptr);
    return;
  }
  loop->runAfter(std::chrono::milliseconds(request.delay_ms()),
                 [this, call, text = std::move(text)] { answerEcho(call, text); });
}

void TestService::answerEcho(const std::shared_ptr<ServerCall>& call, const std::string& text) {
  EchoResponse response;
  response.set_text(text);
  call->finish(absl::OkStatus(), &response);
  MutexLock lock(&mutex_);
  ++echoAnswered_;
  changed_.notifyAll();
}

void TestService::pump(const std::shared_ptr<Streamer>& streamer) {
  ServerWriter<EchoResponse>& writer = streamer->writer;
  EchoResponse message;
  while (streamer->next < streamer->count) {
    if (!writer.IsReady()) {
      // Over: cancelled, expired or gone (write() would say so too).
      if (writer.context()->isCancelled()) return;
      writer.OnReady([this, streamer] { pump(streamer); });
      return;
    }
    message.set_text(absl::StrCat(streamer->text, streamer->next));
    if (!writer.Write(message)) return;
    ++streamer->next;
    streamWritten_.fetch_add(1, std::memory_order_relaxed);
    const size_t queued = writer.context()->queuedOutputBytes();
    size_t seen = streamMaxQueued_.load(std::memory_order_relaxed);
    while (queued > seen && !streamMaxQueued_.compare_exchange_weak(seen, queued)) {
    }
  }
  writer.Finish(absl::OkStatus());
}

int64_t TestService::streamWritten() const { return streamWritten_.load(); }
size_t TestService::streamMaxQueued() const { return streamMaxQueued_.load(); }
int64_t TestService::streamsCancelled() const { return streamsCancelled_.load(); }

void TestService::tick(const std::shared_ptr<Ticker>& ticker) {
  EchoResponse message;
  message.set_text(std::to_string(ticker->written));
  if (ticker->writer.Write(message)) {
    ++ticker->written;
    ticker->loop->runAfter(ticker->interval, [this, ticker] { tick(ticker); });
    return;
  }
  ticker->writer.Finish(absl::CancelledError("ticker stopped"));
  MutexLock lock(&mutex_);
  tickerStopped_ = true;
  tickerWritten_ = ticker->written;
  changed_.notifyAll();
}

bool TestService::waitForHeld(size_t n, std::chrono::milliseconds timeout) {
  MutexLock lock(&mutex_);
  return waitUntil(&mutex_, &changed_, timeout,
                   [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return held_.size() >= n; });
}

std::vector<std::shared_ptr<ServerCall>> TestService::heldCalls() {
  MutexLock lock(&mutex_);
  return held_;
}

bool TestService::waitForBlocked(int n, std::chrono::milliseconds timeout) {
  MutexLock lock(&mutex_);
  return waitUntil(&mutex_, &changed_, timeout,
                   [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return blocked_ >= n; });
}

void TestService::openGate() {
  MutexLock lock(&mutex_);
  gateOpen_ = true;
  changed_.notifyAll();
}

bool TestService::waitForTickerStopped(std::chrono::milliseconds timeout, int64_t* written) {
  MutexLock lock(&mutex_);
  if (!waitUntil(&mutex_, &changed_, timeout,
                 [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return tickerStopped_; })) {
    return false;
  }
  *written = tickerWritten_;
  return true;
}

bool TestService::waitForEchoReceived(int64_t n, std::chrono::milliseconds timeout) {
  MutexLock lock(&mutex_);
  return waitUntil(&mutex_, &changed_, timeout,
                   [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return echoReceived_ >= n; });
}

int64_t TestService::callsReceived() const {
  MutexLock lock(&mutex_);
  return callsReceived_;
}

int64_t TestService::echoAnswered() const {
  MutexLock lock(&mutex_);
  return echoAnswered_;
}

std::set<int> TestService::echoThreads() const {
  MutexLock lock(&mutex_);
  return echoThreads_;
}

std::set<std::string> TestService::echoPeers() const {
  MutexLock lock(&mutex_);
  return echoPeers_;
}

}  // namespace muduo::rpc::testing
