#include "services/kv/RespExpiry.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "services/kv/RespCall.h"
#include "services/kv/RespErrors.h"

namespace muduo::kv {
namespace {

// The absolute time, or nullopt when it overflows int64 milliseconds.
std::optional<int64_t> toAbsoluteMs(int64_t value, ExpiryUnit unit, int64_t nowMs) {
  int64_t ms = value;
  if ((unit == ExpiryUnit::kSeconds || unit == ExpiryUnit::kUnixSeconds) &&
      __builtin_mul_overflow(value, int64_t{1000}, &ms)) {
    return std::nullopt;
  }
  if (unit == ExpiryUnit::kSeconds || unit == ExpiryUnit::kMilliseconds) {
    int64_t at = 0;
    if (__builtin_add_overflow(ms, nowMs, &at)) return std::nullopt;
    return at;
  }
  return ms;
}

void invalidExpire(RespCall& call, std::string_view command) {
  call.reply().error(
      absl::StrCat("ERR invalid expire time in '", std::string(command), "' command"));
}

}  // namespace

std::optional<int64_t> positiveExpiry(RespCall& call, std::string_view text, ExpiryUnit unit,
                                      std::string_view command, int64_t nowMs) {
  std::optional<int64_t> value = parseInt64(text);
  if (!value) {
    call.reply().error(kNotAnInteger);
    return std::nullopt;
  }
  std::optional<int64_t> at;
  if (*value <= 0 || !(at = toAbsoluteMs(*value, unit, nowMs)) || *at <= 0) {
    invalidExpire(call, command);
    return std::nullopt;
  }
  return at;
}

std::optional<int64_t> anyExpiry(RespCall& call, std::string_view text, ExpiryUnit unit,
                                 std::string_view command, int64_t nowMs) {
  std::optional<int64_t> value = parseInt64(text);
  if (!value) {
    call.reply().error(kNotAnInteger);
    return std::nullopt;
  }
  std::optional<int64_t> at = toAbsoluteMs(*value, unit, nowMs);
  if (!at) {
    invalidExpire(call, command);
    return std::nullopt;
  }
  return *at <= 0 ? 1 : *at;  // already past: the store deletes the key
}

}  // namespace muduo::kv
