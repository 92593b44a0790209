#include "services/kv/GlobMatch.h"

#include <cstddef>
#include <utility>

namespace muduo::kv {
namespace {

unsigned char fold(unsigned char c, bool ignoreCase) {
  return ignoreCase && c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

// Matches one subject byte against the element of `pattern` at `p` (not a
// '*'). Returns whether it matched; *next is the index after the element.
bool matchOne(std::string_view pattern, size_t p, unsigned char c, bool ignoreCase, size_t* next) {
  const auto at = [&](size_t i) { return static_cast<unsigned char>(pattern[i]); };
  c = fold(c, ignoreCase);
  switch (pattern[p]) {
    case '?':
      *next = p + 1;
      return true;
    case '\\':
      if (p + 1 < pattern.size()) {
        *next = p + 2;
        return fold(at(p + 1), ignoreCase) == c;
      }
      *next = p + 1;
      return c == '\\';
    case '[': {
      size_t i = p + 1;
      const bool negate = i < pattern.size() && pattern[i] == '^';
      if (negate) ++i;
      bool matched = false;
      while (i < pattern.size() && pattern[i] != ']') {
        if (pattern[i] == '\\' && i + 1 < pattern.size()) {
          matched |= fold(at(i + 1), ignoreCase) == c;
          i += 2;
        } else if (i + 2 < pattern.size() && pattern[i + 1] == '-') {
          unsigned char low = fold(at(i), ignoreCase);
          unsigned char high = fold(at(i + 2), ignoreCase);
          if (low > high) std::swap(low, high);
          matched |= c >= low && c <= high;
          i += 3;
        } else {
          matched |= fold(at(i), ignoreCase) == c;
          ++i;
        }
      }
      *next = i < pattern.size() ? i + 1 : i;  // past ']', or the end
      return matched != negate;
    }
    default:
      *next = p + 1;
      return fold(at(p), ignoreCase) == c;
  }
}

}  // namespace

bool globMatch(std::string_view pattern, std::string_view subject, bool ignoreCase) {
  size_t p = 0;
  size_t s = 0;
  // Where to retry after the last '*': the pattern after it, and the
  // subject position it has swallowed up to.
  size_t starP = std::string_view::npos;
  size_t starS = 0;
  while (s < subject.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      while (p < pattern.size() && pattern[p] == '*') ++p;
      if (p == pattern.size()) return true;
      starP = p;
      starS = s;
      continue;
    }
    size_t next = 0;
    if (p < pattern.size() &&
        matchOne(pattern, p, static_cast<unsigned char>(subject[s]), ignoreCase, &next)) {
      p = next;
      ++s;
      continue;
    }
    if (starP == std::string_view::npos) return false;
    p = starP;
    s = ++starS;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace muduo::kv
