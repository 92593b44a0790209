// globMatch: Redis's glob patterns (KEYS, SCAN MATCH, CONFIG GET):
//   *        any run of bytes, also empty
//   ?        any one byte
//   [abc]    one of a, b, c;  [^abc] none of them;  [a-z] a range (either
//            order);  \ inside brackets takes the next byte literally; a
//            bracket left open runs to the end of the pattern
//   \x       x literally (a trailing \ matches itself)
// Anything else matches itself, byte for byte (or ignoring ASCII case).
//
// Written as a two-pointer walk that backtracks only to the last '*', so a
// hostile pattern costs O(pattern * subject), never exponential time.
//
// Thread safety: a pure function.
#ifndef SERVICES_KV_GLOBMATCH_H_
#define SERVICES_KV_GLOBMATCH_H_

#include <string_view>

namespace muduo::kv {

[[nodiscard]] bool globMatch(std::string_view pattern, std::string_view subject,
                             bool ignoreCase = false);

}  // namespace muduo::kv

#endif  // SERVICES_KV_GLOBMATCH_H_
