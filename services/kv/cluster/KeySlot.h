// KeySlot: which of the cluster's 16384 slots a key belongs to, computed
// exactly as Redis Cluster does, so a Redis Cluster-aware client (redis-cli
// -c, any cluster client library) routes every key to the node we would:
//
//   slot = CRC16(hashed part) mod 16384
//
// where CRC16 is the XMODEM variant (polynomial 0x1021, initial value 0, no
// reflection) and the hashed part is the key, unless the key holds a hash
// tag: the bytes between the first '{' and the first '}' after it, when
// there is at least one byte between them. So "{user1000}.following" and
// "{user1000}.followers" share a slot, and multi-key commands on them work.
//
// Thread safety: pure functions; any thread.
#ifndef SERVICES_KV_CLUSTER_KEYSLOT_H_
#define SERVICES_KV_CLUSTER_KEYSLOT_H_

#include <cstdint>
#include <string_view>

namespace muduo::kv::cluster {

inline constexpr int kSlotCount = 16384;

// CRC-16/XMODEM of `data`.
[[nodiscard]] uint16_t crc16(std::string_view data);

// The part of `key` that is hashed: its hash tag if it has one, else all of it.
[[nodiscard]] std::string_view hashTag(std::string_view key);

// The key's slot, in [0, kSlotCount).
[[nodiscard]] inline int keySlot(std::string_view key) {
  return crc16(hashTag(key)) & (kSlotCount - 1);
}

}  // namespace muduo::kv::cluster

#endif  // SERVICES_KV_CLUSTER_KEYSLOT_H_
