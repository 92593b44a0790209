#include "tools/rpc_bench/BenchServer.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "absl/status/status.h"
#include "muduo/base/ThreadPool.h"
#include "muduo/net/EventLoop.h"
#include "rpc/RpcServer.h"
#include "rpc/Service.h"
#include "tools/rpc_bench/bench.pb.h"

namespace rpcbench {

// Written by hand rather than generated, so the benchmark measures the
// runtime alone; it does what generated code does.
class BenchService final : public muduo::rpc::Service {
 public:
  explicit BenchService(muduo::ThreadPool* slowWorkers) : slowWorkers_(slowWorkers) {}

  void quitAfter(int64_t calls, muduo::net::EventLoop* loop) {
    quitAfter_ = calls;
    quitLoop_ = loop;
  }
  int64_t answered() const { return answered_.load(std::memory_order_relaxed); }

  std::string_view serviceName() const override { return "rpcbench.Bench"; }

  bool callMethod(std::string_view method,
                  const std::shared_ptr<muduo::rpc::ServerCall>& call) override {
    if (method != "Echo") return false;
    BenchRequest request;
    const std::string_view payload = call->requestPayload();
    if (!request.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      call->finish(absl::InvalidArgumentError("request does not parse"), nullptr);
      return true;
    }
    if (!request.slow()) {
      BenchResponse response;
      response.set_payload(std::move(*request.mutable_payload()));
      call->finish(absl::OkStatus(), &response);
      if (answered_.fetch_add(1, std::memory_order_relaxed) + 1 == quitAfter_) quitLoop_->quit();
      return true;
    }
    auto response = std::make_shared<BenchResponse>();
    response->set_payload(std::move(*request.mutable_payload()));
    const bool queued = slowWorkers_->tryRun([call, response] {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      call->finish(absl::OkStatus(), response.get());
    });
    if (!queued) call->finish(absl::ResourceExhaustedError("slow workers busy"), nullptr);
    return true;
  }

 private:
  muduo::ThreadPool* const slowWorkers_;
  std::atomic<int64_t> answered_{0};
  int64_t quitAfter_ = 0;  // fixed before start()
  muduo::net::EventLoop* quitLoop_ = nullptr;
};

BenchServer::BenchServer(muduo::net::EventLoop* loop, const muduo::net::InetAddress& listenAddr,
                         int ioThreads)
    : slowWorkers_(std::make_unique<muduo::ThreadPool>("SlowWorker")),
      service_(std::make_unique<BenchService>(slowWorkers_.get())) {
  muduo::rpc::RpcServer::Options options;
  options.ioThreads = ioThreads;
  server_ = std::make_unique<muduo::rpc::RpcServer>(loop, listenAddr, options);
  server_->addService(service_.get());
  slowWorkers_->setMaxQueueSize(100000);
}

BenchServer::~BenchServer() {
  server_.reset();
  slowWorkers_->stop(muduo::ThreadPool::StopMode::kRejectQueued);
}

void BenchServer::start() {
  // Enough sleepers that 1% of a few hundred thousand calls/s, 5 ms each,
  // never queue behind one another.
  slowWorkers_->start(32);
  server_->start();
}

void BenchServer::quitAfter(int64_t calls, muduo::net::EventLoop* loop) {
  service_->quitAfter(calls, loop);
}

int64_t BenchServer::callsAnswered() const { return service_->answered(); }

muduo::net::InetAddress BenchServer::listenAddress() const { return server_->listenAddress(); }

absl::Status BenchServer::listenStatus() const { return server_->listenStatus(); }

}  // namespace rpcbench
