#include "services/kv/LogReader.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "services/kv/Crc32c.h"

namespace muduo::kv {
namespace {

uint32_t loadLe32(const char* p) {
  uint32_t x;
  memcpy(&x, p, sizeof x);
  return x;  // every target we build for is little-endian (as Crc32c.cc assumes)
}

}  // namespace

absl::StatusOr<std::unique_ptr<LogReader>> LogReader::open(Env* env, const std::string& path) {
  absl::StatusOr<std::unique_ptr<ReadableFile>> file = env->openReadable(path);
  if (!file.ok()) return file.status();
  std::unique_ptr<LogReader> reader(new LogReader(path, std::move(*file)));
  const std::string_view data(reader->data_, reader->size_);
  const std::string_view magic(log::kFileMagic, sizeof log::kFileMagic);
  if (data.size() >= log::kFileHeaderSize && data.starts_with(magic)) {
    const uint32_t version = loadLe32(reader->data_ + sizeof log::kFileMagic);
    if (version == 0 || version > log::kFormatVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, " has format version ", version, " but this build reads up to version ",
          log::kFormatVersion, "; refusing to read it (was it written by a newer kv_server?)"));
    }
    reader->version_ = version;
    reader->firstRecord_ = log::kFileHeaderSize;
  } else if (!data.empty() && data.size() < log::kFileHeaderSize) {
    std::string header;
    log::appendFileHeader(&header);
    // A header cut short as the file was created; anything else this short
    // is a legacy file (whose first record next() will judge).
    reader->tornHeader_ = std::string_view(header).starts_with(data);
  }
  reader->offset_ = reader->firstRecord_;
  return reader;
}

LogReader::~LogReader() = default;

std::optional<uint64_t> LogReader::checkRecord(uint64_t offset, bool* truncated,
                                               std::string* why) const {
  *truncated = false;
  const uint64_t left = size_ - offset;
  if (left < log::kHeaderSize) {
    *truncated = true;
    if (why != nullptr) {
      *why = absl::StrCat("a record header is cut short at offset ", offset, " (", left,
                          " bytes left)");
    }
    return std::nullopt;
  }
  const char* header = data_ + offset;
  const uint32_t length = loadLe32(header + 4);
  if (length > log::kMaxPayload) {
    if (why != nullptr) {
      *why = absl::StrCat("the record at offset ", offset, " claims an impossible length ", length);
    }
    return std::nullopt;
  }
  if (length > left - log::kHeaderSize) {
    *truncated = true;
    if (why != nullptr) {
      *why = absl::StrCat("the record at offset ", offset, " needs ", length,
                          " payload bytes but only ", left - log::kHeaderSize, " remain");
    }
    return std::nullopt;
  }
  const auto t = static_cast<log::RecordType>(header[8]);
  if (t != log::RecordType::kMutations && t != log::RecordType::kSnapshotEnd) {
    // Checked before the CRC: cheap, and a resynchronising scan tries every offset.
    if (why != nullptr) {
      const bool crcOk =
          loadLe32(header) == crc32c::value(std::string_view(header + 4, length + 5));
      *why = crcOk ? absl::StrCat("the record at offset ", offset, " has unknown type ",
                                  static_cast<int>(static_cast<uint8_t>(header[8])))
                   : absl::StrCat("the record at offset ", offset, " fails its checksum");
    }
    return std::nullopt;
  }
  if (loadLe32(header) != crc32c::value(std::string_view(header + 4, length + 5))) {
    if (why != nullptr) *why = absl::StrCat("the record at offset ", offset, " fails its checksum");
    return std::nullopt;
  }
  return log::kHeaderSize + length;
}

bool LogReader::zerosFrom(uint64_t offset) const {
  static const char kZeros[4096] = {};
  while (offset < size_) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(size_ - offset, sizeof kZeros));
    if (memcmp(data_ + offset, kZeros, n) != 0) return false;
    offset += n;
  }
  return true;
}

LogReader::Result LogReader::next(log::RecordType* type, std::string_view* payload) {
  if (tornHeader_) {
    problem_ = absl::StrCat("the file header is cut short (", size_, " of ", log::kFileHeaderSize,
                            " bytes)");
    return Result::kTruncated;
  }
  if (offset_ == size_) return Result::kEnd;
  bool truncated = false;
  const std::optional<uint64_t> size = checkRecord(offset_, &truncated, &problem_);
  if (!size) {
    // Zeros are never a record (type 0 is none), so a tail of nothing but
    // zeros holds no write: it is reserved space, not a torn or bad record.
    if (zerosFrom(offset_)) {
      problem_.clear();
      return Result::kEnd;
    }
    return truncated ? Result::kTruncated : Result::kCorrupt;
  }
  *type = static_cast<log::RecordType>(data_[offset_ + 8]);
  *payload = std::string_view(data_ + offset_ + log::kHeaderSize, *size - log::kHeaderSize);
  offset_ += *size;
  return Result::kRecord;
}

void LogReader::seek(uint64_t offset) {
  offset_ = offset < size_ ? offset : size_;
  problem_.clear();
}

std::optional<uint64_t> LogReader::nextValidRecord(uint64_t from) const {
  bool truncated = false;
  for (uint64_t at = from; at + log::kHeaderSize <= size_; ++at) {
    if (checkRecord(at, &truncated, nullptr)) return at;
  }
  return std::nullopt;
}

uint64_t LogReader::countValidRecords(uint64_t from, uint64_t* bytes) const {
  uint64_t records = 0;
  *bytes = 0;
  bool truncated = false;
  std::optional<uint64_t> at = nextValidRecord(from);
  while (at) {
    const std::optional<uint64_t> size = checkRecord(*at, &truncated, nullptr);
    ++records;
    *bytes += *size;
    at = *at + *size < size_ ? nextValidRecord(*at + *size) : std::nullopt;
  }
  return records;
}

}  // namespace muduo::kv
