// Buffer hot paths: append, prepend of a frame header, retrieve, readFd.
//
//   tools/bazel run --config=opt //muduo/net:Buffer_benchmark
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "benchmark/benchmark.h"
#include "muduo/net/Buffer.h"

namespace muduo::net {
namespace {

// Appends `range(0)`-byte chunks; the buffer is emptied whenever it passes
// 64 KiB, as a connection's output buffer is when the socket drains.
void BM_Append(benchmark::State& state) {
  const std::string chunk(static_cast<size_t>(state.range(0)), 'x');
  Buffer buf;
  for (auto _ : state) {
    buf.append(chunk);
    if (buf.readableBytes() >= 64 * 1024) buf.retrieveAll();
    benchmark::DoNotOptimize(buf.peek());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Append)->Arg(16)->Arg(64 * 1024);

// The codec pattern: body first, then a 12-byte header into the prepend area.
void BM_Prepend12ByteHeader(benchmark::State& state) {
  const std::string body(static_cast<size_t>(state.range(0)), 'b');
  Buffer buf;
  for (auto _ : state) {
    buf.append(body);
    buf.prependInt64(0x0102030405060708);
    buf.prependInt32(static_cast<int32_t>(body.size()));
    benchmark::DoNotOptimize(buf.peek());
    buf.retrieveAll();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Prepend12ByteHeader)->Arg(100);

// Consuming a 64 KiB buffer `range(0)` bytes at a time, as a parser does.
void BM_Retrieve(benchmark::State& state) {
  const size_t step = static_cast<size_t>(state.range(0));
  const std::string data(64 * 1024, 'r');
  Buffer buf;
  for (auto _ : state) {
    state.PauseTiming();
    buf.append(data);
    state.ResumeTiming();
    while (buf.readableBytes() >= step) {
      benchmark::DoNotOptimize(buf.peekInt32());
      buf.retrieve(step);
    }
    buf.retrieveAll();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
}
BENCHMARK(BM_Retrieve)->Arg(16)->Arg(1024);

// The retrieve-as-string path, which copies.
void BM_RetrieveAsString(benchmark::State& state) {
  const std::string data(static_cast<size_t>(state.range(0)), 's');
  Buffer buf;
  for (auto _ : state) {
    buf.append(data);
    std::string out = buf.retrieveAllAsString();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RetrieveAsString)->Arg(64)->Arg(4096);

// 64 KiB through a socketpair into a Buffer that starts with 1 KiB of
// writable space, so the first readv spills into the stack area.
void BM_ReadFdFromSocketpair64KiB(benchmark::State& state) {
  constexpr size_t kBytes = 64 * 1024;
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    state.SkipWithError("socketpair failed");
    return;
  }
  int size = 4 * kBytes;
  ::setsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  ::setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  const std::string data(kBytes, 'd');
  for (auto _ : state) {
    state.PauseTiming();
    if (::write(fds[1], data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
      state.SkipWithError("short write");
      break;
    }
    Buffer buf(1024);
    state.ResumeTiming();
    size_t got = 0;
    int savedErrno = 0;
    for (int calls = 0; got < kBytes && calls < 1000; ++calls) {
      const ssize_t n = buf.readFd(fds[0], &savedErrno);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    if (got != kBytes) {
      state.SkipWithError("short read");
      break;
    }
    benchmark::DoNotOptimize(buf.peek());
  }
  ::close(fds[0]);
  ::close(fds[1]);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kBytes));
}
BENCHMARK(BM_ReadFdFromSocketpair64KiB);

}  // namespace
}  // namespace muduo::net
