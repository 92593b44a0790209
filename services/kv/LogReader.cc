#include "services/kv/LogReader.h"

#include "absl/strings/str_cat.h"
#include "services/kv/Crc32c.h"

namespace muduo::kv {
namespace {

uint32_t loadLe32(const char* p) {
  uint32_t x = 0;
  for (int i = 3; i >= 0; --i) x = (x << 8) | static_cast<uint8_t>(p[i]);
  return x;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LogReader>> LogReader::open(Env* env, const std::string& path) {
  absl::StatusOr<std::unique_ptr<ReadableFile>> file = env->openReadable(path);
  if (!file.ok()) return file.status();
  return std::unique_ptr<LogReader>(new LogReader(path, std::move(*file)));
}

LogReader::~LogReader() = default;

LogReader::Result LogReader::next(log::RecordType* type, std::string_view* payload) {
  const uint64_t left = size_ - offset_;
  if (left == 0) return Result::kEnd;
  if (left < log::kHeaderSize) {
    problem_ = absl::StrCat("a record header is cut short at offset ", offset_, " (", left,
                            " bytes left)");
    return Result::kTruncated;
  }
  const char* header = data_ + offset_;
  const uint32_t length = loadLe32(header + 4);
  if (length > log::kMaxPayload) {
    problem_ =
        absl::StrCat("the record at offset ", offset_, " claims an impossible length ", length);
    return Result::kCorrupt;
  }
  if (length > left - log::kHeaderSize) {
    problem_ = absl::StrCat("the record at offset ", offset_, " needs ", length,
                            " payload bytes but only ", left - log::kHeaderSize, " remain");
    return Result::kTruncated;
  }
  const uint32_t expected = loadLe32(header);
  const uint32_t actual = crc32c::value(std::string_view(header + 4, length + 5));
  if (expected != actual) {
    problem_ = absl::StrCat("the record at offset ", offset_, " fails its checksum");
    return Result::kCorrupt;
  }
  const auto t = static_cast<log::RecordType>(header[8]);
  if (t != log::RecordType::kMutations && t != log::RecordType::kSnapshotEnd) {
    problem_ = absl::StrCat("the record at offset ", offset_, " has unknown type ",
                            static_cast<int>(header[8]));
    return Result::kCorrupt;
  }
  *type = t;
  *payload = std::string_view(header + log::kHeaderSize, length);
  offset_ += log::kHeaderSize + length;
  return Result::kRecord;
}

}  // namespace muduo::kv
