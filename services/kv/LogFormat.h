// The byte layout of the KV store's files, shared by the log and snapshots.
//
// A file is a header, then a sequence of records, each self-checking:
//
//   file    := header record*
//   header  := magic:"\x89MKV"  version:u32le            (kFileHeaderSize bytes)
//   record  := crc:u32le  length:u32le  type:u8  payload[length]
//
// The header lets a build refuse a file written by a newer one (an unknown
// version) instead of reading its records as corruption. Version 1 is this
// layout, with op kinds 1 to 5; a new kind or record type needs a new
// version. Files written before the header existed (version 0, "legacy")
// start straight with a record; a reader takes a file that does not start
// with the magic as legacy, so old data directories keep working (a legacy
// first record's CRC equals the magic with odds of 2^-32). A legacy log is
// appended to as it is; every file the store creates has the header. A file
// shorter than the header that is a prefix of it is a torn creation.
//
// `crc` is the CRC-32C of everything after it (length, type and payload), so
// a flipped bit anywhere in a record, a zero-filled tail, or a length that
// points past the end of the file is detected; a reader stops at the first
// record that fails and never interprets its bytes. A record is the unit of
// atomicity: one WriteBatch is one record, whole or absent after a crash.
// A bad record followed by nothing valid is a torn tail (cut at start); one
// with valid records after it is damage (the store refuses to start; the
// repair resynchronises on the next record whose header and CRC check out).
//
// A log may end in zeros: the writer zero-fills space ahead of its records
// (LogWriter.h) and a crash leaves what it did not fill. Zeros are never a
// record (type 0 does not exist, and a zero header fails its CRC), so the
// reader takes a run of nothing but zeros to the end of the file as the
// clean end of the records, not as a torn write; a single non-zero byte
// after them, or a valid record, makes them damage again. Only the last log
// may end in zeros (the writer trims a log before starting the next, and
// recovery refuses zeros after an earlier log's records); a snapshot never
// does. The version stays 1: a reader from before this rule takes the zeros
// for a torn tail and cuts them off, which loses nothing.
//
//   kMutations payload  := op*            (until the payload ends)
//   op                  := kind:u8 keylen:varint key [vallen:varint value] [expireAt:varint]
//     kind 1 put           key value             (the key no longer expires)
//     kind 2 delete        key
//     kind 3 put-expiring  key value expireAt    (unix time in ms; the key expires then)
//     kind 4 set-expiry    key expireAt          (0: the key no longer expires)
//     kind 5 clear         key (empty)           (every key is deleted)
//   kSnapshotEnd payload := entries:varint64
//
// Conditional operations (compare-and-set, increment, append, rename, ...)
// are logged as the puts and deletes they resolved to, and a relative TTL as
// the absolute time it resolved to, so replay is deterministic and needs no
// reads and no clock.
//
// Thread safety: pure functions, any thread.
#ifndef SERVICES_KV_LOGFORMAT_H_
#define SERVICES_KV_LOGFORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"

namespace muduo::kv::log {

enum class RecordType : uint8_t {
  kMutations = 1,
  kSnapshotEnd = 2,
};

enum class OpKind : uint8_t {
  kPut = 1,
  kDelete = 2,
  kPutExpiring = 3,
  kSetExpiry = 4,
  kClear = 5,
};

// One decoded op. `value` is empty and `expireAt` 0 where the kind has none.
struct Op {
  OpKind kind;
  std::string_view key;
  std::string_view value;
  uint64_t expireAt;
};

inline constexpr char kFileMagic[4] = {'\x89', 'M', 'K', 'V'};
inline constexpr size_t kFileHeaderSize = 8;
// The newest version this build reads and the one it writes.
inline constexpr uint32_t kFormatVersion = 1;
// Appends the file header for `version`.
void appendFileHeader(std::string* out, uint32_t version = kFormatVersion);

// A record's header (crc, length, type).
inline constexpr size_t kHeaderSize = 9;
// Larger lengths are corruption, not records: no valid batch comes near it
// (requests are capped well below, see Limits.h).
inline constexpr uint32_t kMaxPayload = 128u << 20;

// Record building, in place at the end of `out`: begin, append ops, finish.
// Returns the record's start offset, to pass to finishRecord().
[[nodiscard]] size_t beginRecord(std::string* out);
// expireAt 0: the key does not expire (a plain put).
void appendPut(std::string* out, std::string_view key, std::string_view value,
               uint64_t expireAt = 0);
void appendDelete(std::string* out, std::string_view key);
void appendSetExpiry(std::string* out, std::string_view key, uint64_t expireAt);
void appendClear(std::string* out);
// Fills in the header of the record started at `start` (length, type, crc).
void finishRecord(std::string* out, size_t start, RecordType type);
// A whole record with the given payload.
void appendRecord(std::string* out, RecordType type, std::string_view payload);

void appendVarint64(std::string* out, uint64_t value);
// Parses a varint from the front of *in and removes it; false if malformed.
[[nodiscard]] bool consumeVarint64(std::string_view* in, uint64_t* value);

// Calls `op` for each op of a kMutations payload in order. False, after
// calling `op` for none, if the payload is malformed (an unknown kind too).
using OpVisitor = absl::FunctionRef<void(const Op& op)>;
[[nodiscard]] bool forEachOp(std::string_view payload, OpVisitor op);

}  // namespace muduo::kv::log

#endif  // SERVICES_KV_LOGFORMAT_H_
