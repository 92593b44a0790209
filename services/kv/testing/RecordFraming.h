// frameRecords: turns a fuzz input into log records with valid checksums, so
// a fuzzer of the store's readers gets past the CRC-32C to the payload
// parsers. Random bytes almost never carry a right checksum; framed ones
// always do.
//
// Thread safety: a pure function; any thread.
#ifndef SERVICES_KV_TESTING_RECORDFRAMING_H_
#define SERVICES_KV_TESTING_RECORDFRAMING_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "services/kv/LogFormat.h"

namespace muduo::kv::testing {

// `in` read as records, each type:u8 length:u8 payload[length], written out
// with their headers and checksums; whatever is left after the last whole
// one is appended as it is (a torn tail). With `header`, the current file
// header (LogFormat.h) comes first.
inline std::string frameRecords(std::string_view in, bool header) {
  std::string out;
  if (header) log::appendFileHeader(&out);
  while (in.size() >= 2 && static_cast<uint8_t>(in[1]) <= in.size() - 2) {
    const auto type = static_cast<log::RecordType>(in[0]);
    const size_t length = static_cast<uint8_t>(in[1]);
    log::appendRecord(&out, type, in.substr(2, length));
    in.remove_prefix(2 + length);
  }
  out.append(in);
  return out;
}

}  // namespace muduo::kv::testing

#endif  // SERVICES_KV_TESTING_RECORDFRAMING_H_
