#include "services/echo/EchoStubRun.h"

#include "muduo/net/EventLoop.h"

namespace muduo::echo {

EchoStubRun::EchoStubRun(EchoService::Stub* stub, net::EventLoop* loop, int total, int concurrency)
    : stub_(stub), loop_(loop), total_(total), concurrency_(concurrency) {
  request_.set_text("hello");
}

bool EchoStubRun::go(std::chrono::milliseconds timeout) {
  loop_->runInLoop([this] {
    for (int i = 0; i < concurrency_ && started_ < total_; ++i) startOne();
  });
  return done_.waitFor(timeout);
}

void EchoStubRun::startOne() {
  ++started_;
  stub_->AsyncEcho(request_, [this](absl::Status status, EchoResponse* response) {
    if (status.ok() && response->text() == "hello") {
      ++ok_;
    } else {
      failures_.push_back(status.ok() ? absl::InternalError("wrong answer") : status);
      lastFailure_ = std::chrono::steady_clock::now();
    }
    const int completed = ok_ + static_cast<int>(failures_.size());
    if (onProgress) onProgress(completed);
    if (started_ < total_) startOne();
    if (completed == total_) done_.countDown();
  });
}

}  // namespace muduo::echo
