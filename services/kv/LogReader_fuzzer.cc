// Fuzzes the KV store's file readers over arbitrary file contents: LogReader,
// log replay (replayLog) and snapshot loading (loadSnapshot). A corrupt file
// may be refused, but nothing may crash, loop or read outside the file.
//
// Records carry a CRC-32C, so random bytes almost never get past the
// checksum. The first input byte therefore picks how the rest becomes a file:
//   even: the bytes are the file, as found on disk;
//   odd:  the bytes are records to write with valid checksums, each
//         type:u8 length:u8 payload[length], followed by whatever is left
//         (a torn tail), so the fuzzer reaches the payload parsers; with
//         bit 1 set too, after the current file header (LogFormat.h).
//
// It checks the reader's account: each record lies inside the file and
// advances goodBytes() by exactly its size, kEnd comes only at the end of
// the file or before nothing but zeros (reserved space), and replay never applies more records than
// the reader returns. A file of a newer format version may be refused (FAILED_PRECONDITION); a
// resynchronising scan past damage finds only records that read back.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include "services/kv/Env.h"
#include "services/kv/LogFormat.h"
#include "services/kv/LogReader.h"
#include "services/kv/Recovery.h"
#include "services/kv/Table.h"
#include "services/kv/testing/RecordFraming.h"

namespace muduo::kv {
namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "LogReader_fuzzer: property violated: %s\n", what);
    std::abort();
  }
}

std::string fileContents(const uint8_t* data, size_t size) {
  if (size == 0) return {};
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) return std::string(in);
  return testing::frameRecords(in, (data[0] & 2) != 0);
}

const std::string& scratchPath() {
  static const std::string path = [] {
    const char* dir = std::getenv("TEST_TMPDIR");
    return std::string(dir != nullptr ? dir : "/tmp") + "/LogReader_fuzzer." +
           std::to_string(getpid());
  }();
  return path;
}

// Reads every record; returns how many were good.
uint64_t readAll(const std::string& path, uint64_t fileSize) {
  auto reader = LogReader::open(Env::posix(), path);
  if (absl::IsFailedPrecondition(reader.status())) return 0;  // a newer version
  require(reader.ok(), "a regular file opens");
  require((*reader)->fileSize() == fileSize, "fileSize() is the file's size");
  uint64_t records = 0;
  // Each record is at least a header long, so this bounds a correct reader.
  for (uint64_t i = 0; i <= fileSize / log::kHeaderSize + 1; ++i) {
    const uint64_t before = (*reader)->goodBytes();
    log::RecordType type;
    std::string_view payload;
    switch ((*reader)->next(&type, &payload)) {
      case LogReader::Result::kRecord:
        require((*reader)->goodBytes() == before + log::kHeaderSize + payload.size(),
                "a record advances goodBytes() by its size");
        require((*reader)->goodBytes() <= fileSize, "a record lies inside the file");
        if (type == log::RecordType::kMutations) {
          (void)log::forEachOp(payload, [](const log::Op&) {});
        }
        ++records;
        continue;
      case LogReader::Result::kEnd:
        require((*reader)->goodBytes() == before, "the end is where the records end");
        require(before == fileSize || (*reader)->zerosFrom(before),
                "kEnd only at the end of the file or before nothing but zeros");
        return records;
      case LogReader::Result::kTruncated:
      case LogReader::Result::kCorrupt: {
        require(!(*reader)->problem().empty(), "a bad record says why");
        require((*reader)->goodBytes() == before, "a bad record is not counted as good");
        uint64_t bytes = 0;
        const uint64_t after = (*reader)->countValidRecords(before + 1, &bytes);
        require(bytes <= fileSize - before && after * log::kHeaderSize <= bytes,
                "records found past damage lie inside the file");
        if (std::optional<uint64_t> at = (*reader)->nextValidRecord(before + 1)) {
          require(*at > before && *at < fileSize, "a resynchronised record lies after the damage");
          (*reader)->seek(*at);
          log::RecordType t;
          std::string_view p;
          require((*reader)->next(&t, &p) == LogReader::Result::kRecord,
                  "a resynchronised record reads back");
        }
        return records;
      }
    }
  }
  require(false, "the reader stops");
  return records;
}

}  // namespace
}  // namespace muduo::kv

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using muduo::kv::require;
  const std::string contents = muduo::kv::fileContents(data, size);
  const std::string& path = muduo::kv::scratchPath();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    require(out.good(), "the scratch file is written");
  }
  const uint64_t records = muduo::kv::readAll(path, contents.size());

  muduo::kv::Table table;
  auto replayed = muduo::kv::replayLog(muduo::kv::Env::posix(), path, &table);
  if (absl::IsFailedPrecondition(replayed.status())) {
    std::remove(path.c_str());
    return 0;  // a newer format version, refused as it should be
  }
  require(replayed.ok(), "replay of a readable file is not an I/O error");
  require(replayed->records <= records, "replay applies only good records");
  require(replayed->goodBytes <= contents.size(), "replay's goodBytes lies inside the file");
  require(replayed->clean == (replayed->goodBytes + replayed->zeroTail == contents.size()),
          "a replay is clean exactly when it reads the whole file, reserved zeros included");
  require(replayed->zeroTail == 0 ||
              contents.find_first_not_of('\0', replayed->goodBytes) == std::string::npos,
          "a zero tail is nothing but zeros");

  muduo::kv::Table snapshot;
  (void)muduo::kv::loadSnapshot(muduo::kv::Env::posix(), path, &snapshot);
  std::remove(path.c_str());
  return 0;
}
