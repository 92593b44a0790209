#include "services/kv/LogFormat.h"

#include <cassert>
#include <cstring>

#include "services/kv/Crc32c.h"

namespace muduo::kv::log {
namespace {

void storeLe32(char* p, uint32_t x) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((x >> (8 * i)) & 0xff);
}

void appendString(std::string* out, std::string_view s) {
  appendVarint64(out, s.size());
  out->append(s);
}

bool consumeString(std::string_view* in, std::string_view* s) {
  uint64_t len = 0;
  if (!consumeVarint64(in, &len) || len > in->size()) return false;
  *s = in->substr(0, len);
  in->remove_prefix(len);
  return true;
}

}  // namespace

void appendVarint64(std::string* out, uint64_t value) {
  char buf[10];
  size_t n = 0;
  while (value >= 0x80) {
    buf[n++] = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  buf[n++] = static_cast<char>(value);
  out->append(buf, n);
}

bool consumeVarint64(std::string_view* in, uint64_t* value) {
  uint64_t result = 0;
  for (size_t i = 0; i < in->size() && i < 10; ++i) {
    const auto byte = static_cast<uint8_t>((*in)[i]);
    // The tenth byte may carry only the top bit of a 64-bit value.
    if (i == 9 && byte > 1) return false;
    result |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      in->remove_prefix(i + 1);
      *value = result;
      return true;
    }
  }
  return false;
}

void appendFileHeader(std::string* out, uint32_t version) {
  out->append(kFileMagic, sizeof kFileMagic);
  char v[4];
  storeLe32(v, version);
  out->append(v, sizeof v);
}

size_t beginRecord(std::string* out) {
  const size_t start = out->size();
  out->append(kHeaderSize, '\0');
  return start;
}

void appendPut(std::string* out, std::string_view key, std::string_view value) {
  out->push_back(static_cast<char>(OpKind::kPut));
  appendString(out, key);
  appendString(out, value);
}

void appendDelete(std::string* out, std::string_view key) {
  out->push_back(static_cast<char>(OpKind::kDelete));
  appendString(out, key);
}

void finishRecord(std::string* out, size_t start, RecordType type) {
  assert(out->size() >= start + kHeaderSize);
  const size_t length = out->size() - start - kHeaderSize;
  assert(length <= kMaxPayload);
  char* header = out->data() + start;
  storeLe32(header + 4, static_cast<uint32_t>(length));
  header[8] = static_cast<char>(type);
  const uint32_t crc = crc32c::value(std::string_view(header + 4, length + 5));
  storeLe32(header, crc);
}

void appendRecord(std::string* out, RecordType type, std::string_view payload) {
  const size_t start = beginRecord(out);
  out->append(payload);
  finishRecord(out, start, type);
}

bool forEachOp(std::string_view payload, OpVisitor op) {
  // Validate everything first, so a malformed payload applies nothing.
  std::string_view in = payload;
  while (!in.empty()) {
    const auto kind = static_cast<OpKind>(in[0]);
    in.remove_prefix(1);
    std::string_view key;
    std::string_view value;
    if (!consumeString(&in, &key)) return false;
    if (kind == OpKind::kPut) {
      if (!consumeString(&in, &value)) return false;
    } else if (kind != OpKind::kDelete) {
      return false;
    }
  }
  in = payload;
  while (!in.empty()) {
    const auto kind = static_cast<OpKind>(in[0]);
    in.remove_prefix(1);
    std::string_view key;
    std::string_view value;
    (void)consumeString(&in, &key);
    if (kind == OpKind::kPut) (void)consumeString(&in, &value);
    op(kind, key, value);
  }
  return true;
}

}  // namespace muduo::kv::log
