// Redis's error replies that many commands share, in Redis 7's exact words,
// and the argument parsing rules behind them.
#ifndef SERVICES_KV_RESPERRORS_H_
#define SERVICES_KV_RESPERRORS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace muduo::kv {

class RespReply;
class RespCall;

inline constexpr std::string_view kSyntaxError = "ERR syntax error";
inline constexpr std::string_view kNotAnInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotAFloat = "ERR value is not a valid float";
inline constexpr std::string_view kOverflow = "ERR increment or decrement would overflow";

// "ERR wrong number of arguments for 'get' command"
void arityError(RespReply& reply, std::string_view name);
// "ERR unknown command 'x', with args beginning with: 'a' 'b' "
void unknownCommandError(RespReply& reply, std::span<const std::string_view> args);
// "ERR unknown subcommand 'x'. Try CLIENT HELP."
void unknownSubcommandError(RespReply& reply, std::string_view subcommand,
                            std::string_view command);

// Redis's string2ll: an optional '-', digits, no leading zeros or spaces,
// within int64.
[[nodiscard]] std::optional<int64_t> parseInt64(std::string_view text);
// Replies kNotAnInteger when the argument is not an int64.
[[nodiscard]] std::optional<int64_t> intArgument(RespCall& call, size_t i);

// Whether `a` equals the lower-case `lower`, ignoring the case of `a`.
[[nodiscard]] bool equalsIgnoreCase(std::string_view a, std::string_view lower);

// Replies the key-size error when the key is over kMaxKeySize; false then.
[[nodiscard]] bool checkKeySize(RespCall& call, std::string_view key);

}  // namespace muduo::kv

#endif  // SERVICES_KV_RESPERRORS_H_
