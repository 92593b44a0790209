// Character classes of HTTP/1.x (RFC 9110 5.6.2), as tables: the parser
// checks every method and header name it reads, the response every header
// name it writes. Internal to http_message.
#ifndef MUDUO_NET_HTTP_HTTPCHARS_H_
#define MUDUO_NET_HTTP_HTTPCHARS_H_

#include <array>
#include <string_view>

namespace muduo::net::http_chars {

// tchar: the characters of a token (a method, a header name).
inline constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

inline bool isTokenChar(char c) { return kTokenChars[static_cast<unsigned char>(c)]; }

// A non-empty run of tchar.
inline bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!isTokenChar(c)) return false;
  }
  return true;
}

}  // namespace muduo::net::http_chars

#endif  // MUDUO_NET_HTTP_HTTPCHARS_H_
