// RespReply: writes RESP2 replies into a Buffer or a string.
//
// Thread safety: a value type over the output it is given.
#ifndef SERVICES_KV_RESPREPLY_H_
#define SERVICES_KV_RESPREPLY_H_

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "muduo/net/Buffer.h"

namespace muduo::kv {

class RespReply {
 public:
  explicit RespReply(net::Buffer* buffer) : buffer_(buffer) {}
  explicit RespReply(std::string* string) : string_(string) {}

  // "+OK"
  void simple(std::string_view text) { line('+', text); }
  // "-ERR ..."; `text` starts with the error code ("ERR", "WRONGTYPE").
  // CR and LF would end the line early, so they become spaces.
  void error(std::string_view text);
  void integer(int64_t value);
  void bulk(std::string_view value);
  void nil() { append("$-1\r\n"); }
  // "*-1": EXEC of a transaction whose WATCHed keys changed.
  void nilArray() { append("*-1\r\n"); }
  void arrayHeader(size_t count);
  // Bytes already encoded (a reply built elsewhere).
  void raw(std::string_view encoded) { append(encoded); }
  // Bytes written so far to the output (all of it, not just this reply's).
  [[nodiscard]] size_t outputSize() const {
    return buffer_ != nullptr ? buffer_->readableBytes() : string_->size();
  }

 private:
  void line(char type, std::string_view text) {
    append(std::string_view(&type, 1));
    append(text);
    append("\r\n");
  }
  void number(char type, int64_t value) {
    char buf[24];
    buf[0] = type;
    char* end = std::to_chars(buf + 1, buf + sizeof buf - 2, value).ptr;
    *end++ = '\r';
    *end++ = '\n';
    append(std::string_view(buf, static_cast<size_t>(end - buf)));
  }
  void append(std::string_view data) {
    if (buffer_ != nullptr) {
      buffer_->append(data);
    } else {
      string_->append(data);
    }
  }

  net::Buffer* buffer_ = nullptr;
  std::string* string_ = nullptr;
};

inline void RespReply::error(std::string_view text) {
  append("-");
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n') {
      append(text.substr(start, i - start));
      append(" ");
      start = i + 1;
    }
  }
  append(text.substr(start));
  append("\r\n");
}

inline void RespReply::integer(int64_t value) { number(':', value); }

inline void RespReply::bulk(std::string_view value) {
  number('$', static_cast<int64_t>(value.size()));
  append(value);
  append("\r\n");
}

inline void RespReply::arrayHeader(size_t count) { number('*', static_cast<int64_t>(count)); }

}  // namespace muduo::kv

#endif  // SERVICES_KV_RESPREPLY_H_
