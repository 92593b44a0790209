// CRC-32C (Castagnoli, the iSCSI polynomial), the checksum on every record
// of the KV store's log and snapshot files.
//
// Portable slicing-by-8 tables built at compile time; on x86-64 CPUs with
// SSE4.2 the crc32 instruction does the work instead (about 10x faster), and
// both give the same answers (Crc32c_test checks).
//
// Thread safety: pure functions, any thread.
#ifndef SERVICES_KV_CRC32C_H_
#define SERVICES_KV_CRC32C_H_

#include <cstdint>
#include <string_view>

namespace muduo::kv::crc32c {

// The CRC of `data` appended to data whose CRC was `crc` (0 for none).
[[nodiscard]] uint32_t extend(uint32_t crc, std::string_view data);
[[nodiscard]] inline uint32_t value(std::string_view data) { return extend(0, data); }

// The table-driven implementation alone, so tests can compare the two.
[[nodiscard]] uint32_t extendPortable(uint32_t crc, std::string_view data);

}  // namespace muduo::kv::crc32c

#endif  // SERVICES_KV_CRC32C_H_
