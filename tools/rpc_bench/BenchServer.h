// BenchServer: the server side of rpc_bench. One service, rpcbench.Bench,
// with one method, Echo, answered in the I/O thread; a request marked slow
// is answered after 5 ms by a worker thread, so slow calls do not hold up
// the I/O thread (the point of the slow mode).
//
// Thread contract: construct, start() and destroy in the base loop's thread.
#ifndef TOOLS_RPC_BENCH_BENCHSERVER_H_
#define TOOLS_RPC_BENCH_BENCHSERVER_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "muduo/net/InetAddress.h"

namespace muduo {
class ThreadPool;
namespace net {
class EventLoop;
}  // namespace net
namespace rpc {
class RpcServer;
}  // namespace rpc
}  // namespace muduo

namespace rpcbench {

class BenchService;

class BenchServer {
 public:
  BenchServer(muduo::net::EventLoop* loop, const muduo::net::InetAddress& listenAddr,
              int ioThreads);
  ~BenchServer();
  BenchServer(const BenchServer&) = delete;
  BenchServer& operator=(const BenchServer&) = delete;

  void start();
  // Quits `loop` once this many fast calls have been answered: a fixed
  // amount of work, so a profile's totals (callgrind's instructions, strace's
  // syscalls, valgrind's allocations) divide into per-call figures. Before
  // start(); 0 serves for ever.
  void quitAfter(int64_t calls, muduo::net::EventLoop* loop);
  [[nodiscard]] int64_t callsAnswered() const;
  [[nodiscard]] muduo::net::InetAddress listenAddress() const;
  // OK when the constructor could bind and listen.
  [[nodiscard]] absl::Status listenStatus() const;

 private:
  std::unique_ptr<muduo::ThreadPool> slowWorkers_;
  std::unique_ptr<BenchService> service_;
  std::unique_ptr<muduo::rpc::RpcServer> server_;
};

}  // namespace rpcbench

#endif  // TOOLS_RPC_BENCH_BENCHSERVER_H_
