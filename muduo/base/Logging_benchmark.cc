// Logging front-end and AsyncLogging throughput.
//
//   tools/bazel run --config=opt //muduo/base:Logging_benchmark
//
// A "line" is a typical ~100-byte log line: timestamp, tid, level, a short
// message with two numbers, and the source location.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "muduo/base/AsyncLogging.h"
#include "muduo/base/Logging.h"

namespace muduo {
namespace {

void discard(const char*, size_t) {}

FILE* g_devNull = nullptr;
void toDevNull(const char* line, size_t len) { fwrite(line, 1, len, g_devNull); }

AsyncLogging* g_async = nullptr;
void toAsync(const char* line, size_t len) { g_async->append(line, len); }

// The message part is sized so the whole line is close to 100 bytes.
#define MUDUO_BENCH_LINE(i) \
  LOG_INFO << "request served: connection " << (i) << " bytes " << 4096 << " status ok"

void BM_FormatLine(benchmark::State& state) {
  Logger::setOutput(&discard);
  int64_t i = 0;
  for (auto _ : state) MUDUO_BENCH_LINE(++i);
  Logger::setOutput(nullptr);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FormatLine);

void BM_DisabledLevel(benchmark::State& state) {
  int64_t i = 0;
  for (auto _ : state) {
    LOG_DEBUG << "not written " << ++i;
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DisabledLevel);

void BM_SyncToDevNull(benchmark::State& state) {
  g_devNull = fopen("/dev/null", "w");
  Logger::setOutput(&toDevNull);
  int64_t i = 0;
  for (auto _ : state) MUDUO_BENCH_LINE(++i);
  Logger::setOutput(nullptr);
  fclose(g_devNull);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SyncToDevNull);

// Front-end cost per call, plus a "sustained" rate that also counts the time
// the back end needs to write every accepted line to the file (stop() waits
// for that). Lines shed by the backlog bound are reported, not counted.
void BM_AsyncToFile(benchmark::State& state) {
  static std::unique_ptr<AsyncLogging> log;
  static std::chrono::steady_clock::time_point start;
  if (state.thread_index() == 0) {
    const char* tmp = ::getenv("TMPDIR");
    const std::string base = std::string(tmp != nullptr ? tmp : "/tmp") + "/muduo_log_bench";
    log = std::make_unique<AsyncLogging>(base);
    g_async = log.get();
    Logger::setOutput(&toAsync);
    log->start();
    start = std::chrono::steady_clock::now();
  }
  int64_t i = 0;
  for (auto _ : state) MUDUO_BENCH_LINE(++i);
  if (state.thread_index() == 0) {
    const std::string file = log->currentFileName();
    log->stop();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double dropped = static_cast<double>(log->droppedLines());
    const double written = static_cast<double>(state.iterations()) * state.threads() - dropped;
    state.counters["dropped"] = dropped;
    state.counters["sustained_lines_per_s"] = written / seconds;
    Logger::setOutput(nullptr);
    log.reset();
    ::unlink(file.c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AsyncToFile)->Threads(1)->Threads(4)->UseRealTime();

}  // namespace
}  // namespace muduo
