// The benchmark's histogram is muduo::Histogram; this name stays for the
// tools and load modes written against it.
#ifndef TOOLS_RPC_BENCH_HISTOGRAM_H_
#define TOOLS_RPC_BENCH_HISTOGRAM_H_

#include "muduo/base/Histogram.h"

namespace rpcbench {
using Histogram = muduo::Histogram;
}  // namespace rpcbench

#endif  // TOOLS_RPC_BENCH_HISTOGRAM_H_
