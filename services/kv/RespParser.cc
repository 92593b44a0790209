#include "services/kv/RespParser.h"

#include <cstring>

namespace muduo::kv {
namespace {

// Integer lines ("*3", "$5") are short; one without its CRLF within this
// many bytes is not a RESP client.
constexpr size_t kMaxIntegerLine = 32;

// Parses a decimal integer: an optional '-' then digits, nothing else.
bool parseInteger(std::string_view s, int64_t* value) {
  if (s.empty() || s.size() > 20) return false;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    s.remove_prefix(1);
    if (s.empty()) return false;
  }
  int64_t result = 0;
  // 18 digits cannot overflow, so the common case (lengths like "3" or
  // "100", four per SET) skips the division that guards the others.
  const bool mayOverflow = s.size() > 18;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    if (mayOverflow && result > (INT64_MAX - (c - '0')) / 10) return false;
    result = result * 10 + (c - '0');
  }
  *value = negative ? -result : result;
  return true;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// Splits an inline line the way Redis's sdssplitargs does. False on
// unbalanced quotes.
bool splitInline(std::string_view line, std::vector<std::string>* out) {
  size_t i = 0;
  while (true) {
    while (i < line.size() && isSpace(line[i])) ++i;
    if (i == line.size()) return true;
    std::string arg;
    bool inDouble = false;
    bool inSingle = false;
    while (true) {
      if (inDouble) {
        if (i == line.size()) return false;
        const char c = line[i];
        if (c == '\\' && i + 3 < line.size() && line[i + 1] == 'x' && hexDigit(line[i + 2]) >= 0 &&
            hexDigit(line[i + 3]) >= 0) {
          arg.push_back(static_cast<char>(hexDigit(line[i + 2]) * 16 + hexDigit(line[i + 3])));
          i += 3;
        } else if (c == '\\' && i + 1 < line.size()) {
          ++i;
          switch (line[i]) {
            case 'n':
              arg.push_back('\n');
              break;
            case 'r':
              arg.push_back('\r');
              break;
            case 't':
              arg.push_back('\t');
              break;
            case 'b':
              arg.push_back('\b');
              break;
            case 'a':
              arg.push_back('\a');
              break;
            default:
              arg.push_back(line[i]);
              break;
          }
        } else if (c == '"') {
          // A closing quote must be followed by a space or the end.
          if (i + 1 < line.size() && !isSpace(line[i + 1])) return false;
          inDouble = false;
          ++i;
          break;
        } else {
          arg.push_back(c);
        }
      } else if (inSingle) {
        if (i == line.size()) return false;
        const char c = line[i];
        if (c == '\\' && i + 1 < line.size() && line[i + 1] == '\'') {
          arg.push_back('\'');
          ++i;
        } else if (c == '\'') {
          if (i + 1 < line.size() && !isSpace(line[i + 1])) return false;
          inSingle = false;
          ++i;
          break;
        } else {
          arg.push_back(c);
        }
      } else {
        if (i == line.size() || isSpace(line[i])) break;
        if (line[i] == '"') {
          inDouble = true;
        } else if (line[i] == '\'') {
          inSingle = true;
        } else {
          arg.push_back(line[i]);
        }
      }
      ++i;
    }
    out->push_back(std::move(arg));
  }
}

}  // namespace

void RespParser::reset() {
  pos_ = 0;
  expected_ = -1;
  spans_.clear();
  inlineArgs_.clear();
  args_.clear();
}

RespParser::Result RespParser::fail(std::string message) {
  error_ = "Protocol error: " + std::move(message);
  return Result::kError;
}

RespParser::Result RespParser::parse(std::string_view data) {
  if (data.empty()) return Result::kNeedMore;
  return data[0] == '*' ? parseMultibulk(data) : parseInline(data);
}

RespParser::Result RespParser::parseInline(std::string_view data) {
  const size_t newline = data.find('\n');
  if (newline == std::string_view::npos) {
    if (data.size() > limits_.maxInline) return fail("too big inline request");
    return Result::kNeedMore;
  }
  if (newline > limits_.maxInline) return fail("too big inline request");
  std::string_view line = data.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  inlineArgs_.clear();
  if (!splitInline(line, &inlineArgs_)) return fail("unbalanced quotes in request");
  args_.assign(inlineArgs_.begin(), inlineArgs_.end());
  pos_ = newline + 1;
  return Result::kCommand;
}

RespParser::Result RespParser::parseMultibulk(std::string_view data) {
  if (expected_ < 0) {
    const size_t crlf = data.find("\r\n");
    if (crlf == std::string_view::npos) {
      if (data.size() > kMaxIntegerLine) return fail("too big mbulk count string");
      return Result::kNeedMore;
    }
    int64_t count = 0;
    if (!parseInteger(data.substr(1, crlf - 1), &count) ||
        count > static_cast<int64_t>(limits_.maxArgs)) {
      return fail("invalid multibulk length");
    }
    pos_ = crlf + 2;
    if (count <= 0) {
      args_.clear();
      return Result::kCommand;  // "*0" and "*-1" are no command at all
    }
    expected_ = count;
    spans_.reserve(static_cast<size_t>(std::min<int64_t>(count, 1024)));
  }
  while (static_cast<int64_t>(spans_.size()) < expected_) {
    if (pos_ >= data.size()) return Result::kNeedMore;
    if (data[pos_] != '$') {
      const char got = data[pos_];
      return fail(std::string("expected '$', got '") +
                  (got >= 32 && got < 127 ? std::string(1, got) : std::string("?")) + "'");
    }
    const size_t crlf = data.find("\r\n", pos_);
    if (crlf == std::string_view::npos) {
      if (data.size() - pos_ > kMaxIntegerLine) return fail("too big bulk count string");
      return Result::kNeedMore;
    }
    int64_t len = 0;
    if (!parseInteger(data.substr(pos_ + 1, crlf - pos_ - 1), &len) || len < 0 ||
        static_cast<size_t>(len) > limits_.maxBulk) {
      return fail("invalid bulk length");
    }
    const size_t start = crlf + 2;
    const size_t end = start + static_cast<size_t>(len);
    if (end > limits_.maxRequest) return fail("request too large");
    if (data.size() < end + 2) return Result::kNeedMore;
    if (data[end] != '\r' || data[end + 1] != '\n') return fail("bulk string not followed by CRLF");
    spans_.emplace_back(start, static_cast<size_t>(len));
    pos_ = end + 2;
  }
  args_.clear();
  args_.reserve(spans_.size());
  for (const auto& [offset, len] : spans_) args_.push_back(data.substr(offset, len));
  return Result::kCommand;
}

}  // namespace muduo::kv
