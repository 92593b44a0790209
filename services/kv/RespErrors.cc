#include "services/kv/RespErrors.h"

#include <charconv>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/kv/Limits.h"
#include "services/kv/RespCall.h"
#include "services/kv/RespReply.h"

namespace muduo::kv {

void arityError(RespReply& reply, std::string_view name) {
  reply.error(absl::StrCat("ERR wrong number of arguments for '", std::string(name), "' command"));
}

void unknownCommandError(RespReply& reply, std::span<const std::string_view> args) {
  std::string text = absl::StrCat("ERR unknown command '", std::string(args[0].substr(0, 128)),
                                  "', with args beginning with: ");
  for (size_t i = 1; i < args.size() && text.size() < 256; ++i) {
    absl::StrAppend(&text, "'", std::string(args[i].substr(0, 128)), "' ");
  }
  reply.error(text);
}

void unknownSubcommandError(RespReply& reply, std::string_view subcommand,
                            std::string_view command) {
  reply.error(absl::StrCat("ERR unknown subcommand '", std::string(subcommand.substr(0, 128)),
                           "'. Try ", std::string(command), " HELP."));
}

std::optional<int64_t> parseInt64(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  // No '+', no leading zeros (but "0" itself), no "-0".
  const size_t digits = text[0] == '-' ? 1 : 0;
  if (text.size() == digits) return std::nullopt;
  if (text[digits] == '0' && (text.size() > digits + 1 || digits == 1)) return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<int64_t> intArgument(RespCall& call, size_t i) {
  std::optional<int64_t> value = parseInt64(call.arg(i));
  if (!value) call.reply().error(kNotAnInteger);
  return value;
}

bool equalsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char c = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (c != lower[i]) return false;
  }
  return true;
}

bool checkKeySize(RespCall& call, std::string_view key) {
  if (key.size() <= kMaxKeySize) return true;
  call.reply().error(absl::StrCat("ERR key is over the limit of ", kMaxKeySize, " bytes"));
  return false;
}

}  // namespace muduo::kv
