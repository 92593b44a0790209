#include "tools/fuzzing/QuietLogs.h"

#include <cstddef>

#include "muduo/base/Logging.h"

namespace muduo::fuzzing {
namespace {

void discard(const char*, size_t) {}

}  // namespace

void discardLogs() { Logger::setOutput(discard); }

}  // namespace muduo::fuzzing
