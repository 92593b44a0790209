// Parsing of Redis's expiry arguments (SET EX/PX/EXAT/PXAT, SETEX, GETEX,
// EXPIRE and friends) into the store's absolute unix milliseconds, with
// Redis's exact errors.
//
// Thread safety: pure functions (they reply through the call on error).
#ifndef SERVICES_KV_RESPEXPIRY_H_
#define SERVICES_KV_RESPEXPIRY_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace muduo::kv {

class RespCall;

enum class ExpiryUnit { kSeconds, kMilliseconds, kUnixSeconds, kUnixMilliseconds };

// For SET, SETEX, GETEX: `text` must be a positive integer whose time fits;
// otherwise replies the error naming `command` and returns nullopt.
[[nodiscard]] std::optional<int64_t> positiveExpiry(RespCall& call, std::string_view text,
                                                    ExpiryUnit unit, std::string_view command,
                                                    int64_t nowMs);
// For EXPIRE and friends: any integer; a time at or before now deletes the
// key. Never 0 (which would mean "no expiry" to the store).
[[nodiscard]] std::optional<int64_t> anyExpiry(RespCall& call, std::string_view text,
                                               ExpiryUnit unit, std::string_view command,
                                               int64_t nowMs);

}  // namespace muduo::kv

#endif  // SERVICES_KV_RESPEXPIRY_H_
