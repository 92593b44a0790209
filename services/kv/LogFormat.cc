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

void appendPut(std::string* out, std::string_view key, std::string_view value, uint64_t expireAt) {
  out->push_back(static_cast<char>(expireAt == 0 ? OpKind::kPut : OpKind::kPutExpiring));
  appendString(out, key);
  appendString(out, value);
  if (expireAt != 0) appendVarint64(out, expireAt);
}

void appendDelete(std::string* out, std::string_view key) {
  out->push_back(static_cast<char>(OpKind::kDelete));
  appendString(out, key);
}

void appendSetExpiry(std::string* out, std::string_view key, uint64_t expireAt) {
  out->push_back(static_cast<char>(OpKind::kSetExpiry));
  appendString(out, key);
  appendVarint64(out, expireAt);
}

void appendClear(std::string* out) {
  out->push_back(static_cast<char>(OpKind::kClear));
  appendString(out, "");
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

namespace {

// Decodes the op at the front of *in and removes it; false if malformed.
bool consumeOp(std::string_view* in, Op* op) {
  if (in->empty()) return false;
  op->kind = static_cast<OpKind>((*in)[0]);
  in->remove_prefix(1);
  op->value = {};
  op->expireAt = 0;
  if (!consumeString(in, &op->key)) return false;
  switch (op->kind) {
    case OpKind::kPut:
      return consumeString(in, &op->value);
    case OpKind::kDelete:
      return true;
    case OpKind::kPutExpiring:
      return consumeString(in, &op->value) && consumeVarint64(in, &op->expireAt) &&
             op->expireAt != 0;
    case OpKind::kSetExpiry:
      return consumeVarint64(in, &op->expireAt);
    case OpKind::kClear:
      return op->key.empty();
  }
  return false;
}

}  // namespace

bool forEachOp(std::string_view payload, OpVisitor visit) {
  // Validate everything first, so a malformed payload applies nothing.
  Op op;
  for (std::string_view in = payload; !in.empty();) {
    if (!consumeOp(&in, &op)) return false;
  }
  for (std::string_view in = payload; !in.empty();) {
    (void)consumeOp(&in, &op);
    visit(op);
  }
  return true;
}

}  // namespace muduo::kv::log
