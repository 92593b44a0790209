// The record format and its reader: round trips, and every way a file can
// end badly (cut anywhere inside the last record, a byte flipped anywhere in
// it, a zero-filled tail) stops the reader after the last good record.
#include "services/kv/LogReader.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/kv/Env.h"
#include "services/kv/LogFormat.h"

namespace muduo::kv {
namespace {

std::string tempPath(const std::string& name) {
  const char* dir = ::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

void writeFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string record(std::string_view key, std::string_view value) {
  std::string out;
  const size_t start = log::beginRecord(&out);
  log::appendPut(&out, key, value);
  log::finishRecord(&out, start, log::RecordType::kMutations);
  return out;
}

struct ReadAll {
  std::vector<std::string> keys;
  LogReader::Result end;
  uint64_t goodBytes;
};

ReadAll readAll(const std::string& path) {
  auto reader = LogReader::open(Env::posix(), path);
  EXPECT_TRUE(reader.ok()) << reader.status();
  ReadAll result;
  while (true) {
    log::RecordType type;
    std::string_view payload;
    result.end = (*reader)->next(&type, &payload);
    if (result.end != LogReader::Result::kRecord) break;
    EXPECT_TRUE(
        log::forEachOp(payload, [&](const log::Op& op) { result.keys.emplace_back(op.key); }));
  }
  result.goodBytes = (*reader)->goodBytes();
  return result;
}

TEST(LogFormatTest, VarintsRoundTripAtEveryWidth) {
  for (uint64_t v :
       {0ull, 1ull, 127ull, 128ull, 16383ull, 16384ull, (1ull << 32) - 1, 1ull << 35, ~0ull}) {
    std::string encoded;
    log::appendVarint64(&encoded, v);
    std::string_view in = encoded;
    uint64_t decoded = 0;
    ASSERT_TRUE(log::consumeVarint64(&in, &decoded));
    EXPECT_EQ(decoded, v);
    EXPECT_TRUE(in.empty());
    std::string_view cut(encoded.data(), encoded.size() - 1);
    EXPECT_FALSE(log::consumeVarint64(&cut, &decoded)) << "a cut varint must not parse";
  }
}

TEST(LogFormatTest, OpsComeBackInOrderWithBinaryKeysAndValues) {
  std::string payload;
  const std::string binaryKey("k\0\xff", 3);
  log::appendPut(&payload, binaryKey, std::string(300, 'v'));
  log::appendDelete(&payload, "gone");
  log::appendPut(&payload, "", "");
  log::appendPut(&payload, "ttl", "x", 1'700'000'000'123);
  log::appendSetExpiry(&payload, "ttl", 0);
  log::appendClear(&payload);
  std::vector<std::tuple<log::OpKind, std::string, std::string, uint64_t>> ops;
  ASSERT_TRUE(log::forEachOp(payload, [&](const log::Op& op) {
    ops.emplace_back(op.kind, std::string(op.key), std::string(op.value), op.expireAt);
  }));
  ASSERT_EQ(ops.size(), 6u);
  EXPECT_EQ(ops[0], std::make_tuple(log::OpKind::kPut, binaryKey, std::string(300, 'v'), 0u));
  EXPECT_EQ(ops[1], std::make_tuple(log::OpKind::kDelete, std::string("gone"), std::string(), 0u));
  EXPECT_EQ(ops[2], std::make_tuple(log::OpKind::kPut, std::string(), std::string(), 0u));
  EXPECT_EQ(ops[3], std::make_tuple(log::OpKind::kPutExpiring, std::string("ttl"), std::string("x"),
                                    uint64_t{1'700'000'000'123}));
  EXPECT_EQ(ops[4],
            std::make_tuple(log::OpKind::kSetExpiry, std::string("ttl"), std::string(), 0u));
  EXPECT_EQ(ops[5], std::make_tuple(log::OpKind::kClear, std::string(), std::string(), 0u));
}

TEST(LogFormatTest, UnknownOpKindsAndMalformedExpiryAreRefused) {
  for (const std::string& payload : {std::string("\x06\x01k", 3),           // kind 6
                                     std::string("\x03\x01k\x01v\x00", 6),  // expiring at 0
                                     std::string("\x05\x01k", 3)}) {        // a clear names no key
    int visits = 0;
    EXPECT_FALSE(log::forEachOp(payload, [&](const log::Op&) { ++visits; }));
    EXPECT_EQ(visits, 0);
  }
}

TEST(LogFormatTest, AMalformedPayloadVisitsNothing) {
  std::string payload;
  log::appendPut(&payload, "a", "1");
  log::appendPut(&payload, "b", "2");
  payload.pop_back();
  int visits = 0;
  EXPECT_FALSE(log::forEachOp(payload, [&](const log::Op&) { ++visits; }));
  EXPECT_EQ(visits, 0);
}

TEST(LogReaderTest, ReadsEveryRecordAndEndsCleanly) {
  const std::string path = tempPath("clean.log");
  writeFile(path, record("a", "1") + record("b", "2") + record("c", "3"));
  const ReadAll all = readAll(path);
  EXPECT_EQ(all.keys, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(all.end, LogReader::Result::kEnd);
}

TEST(LogReaderTest, AnEmptyFileIsACleanEnd) {
  const std::string path = tempPath("empty.log");
  writeFile(path, "");
  const ReadAll all = readAll(path);
  EXPECT_TRUE(all.keys.empty());
  EXPECT_EQ(all.end, LogReader::Result::kEnd);
  EXPECT_EQ(all.goodBytes, 0u);
}

TEST(LogReaderTest, AFileCutAnywhereInTheLastRecordStopsAfterTheRecordBefore) {
  const std::string good = record("a", "1") + record("b", "2");
  const std::string last = record("c", std::string(100, 'x'));
  const std::string path = tempPath("torn.log");
  for (size_t cut = 1; cut < last.size(); ++cut) {
    writeFile(path, good + last.substr(0, cut));
    const ReadAll all = readAll(path);
    ASSERT_EQ(all.keys, (std::vector<std::string>{"a", "b"})) << "cut at " << cut;
    EXPECT_EQ(all.end, LogReader::Result::kTruncated) << "cut at " << cut;
    EXPECT_EQ(all.goodBytes, good.size());
  }
}

TEST(LogReaderTest, AByteFlippedAnywhereInTheLastRecordIsNeverRead) {
  const std::string good = record("a", "1") + record("b", "2");
  const std::string last = record("c", std::string(40, 'x'));
  const std::string path = tempPath("flipped.log");
  for (size_t i = 0; i < last.size(); ++i) {
    std::string damaged = last;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    writeFile(path, good + damaged);
    const ReadAll all = readAll(path);
    ASSERT_EQ(all.keys, (std::vector<std::string>{"a", "b"})) << "flip at " << i;
    // A flip in the length field may make the record look cut short.
    EXPECT_TRUE(all.end == LogReader::Result::kCorrupt || all.end == LogReader::Result::kTruncated)
        << "flip at " << i;
    EXPECT_EQ(all.goodBytes, good.size());
  }
}

TEST(LogReaderTest, AZeroFilledTailIsTheCleanEndNeverAnEmptyRecord) {
  // Reserved space the writer never wrote (LogFormat.h): zeros are never a
  // record, so the records end where they start, however long they run.
  const std::string good = record("a", "1");
  const std::string path = tempPath("zeros.log");
  for (size_t zeros : {1, 8, 9, 10, 4096, 1 << 20}) {
    writeFile(path, good + std::string(zeros, '\0'));
    const ReadAll all = readAll(path);
    EXPECT_EQ(all.keys, std::vector<std::string>{"a"}) << zeros;
    EXPECT_EQ(all.end, LogReader::Result::kEnd) << zeros;
    EXPECT_EQ(all.goodBytes, good.size()) << zeros;
  }
}

TEST(LogReaderTest, ZerosFollowedByAnythingAreNotTheEnd) {
  const std::string good = record("a", "1");
  const std::string path = tempPath("zeros_then.log");
  // A zeroed stretch with a record after it: damage.
  writeFile(path, good + std::string(100, '\0') + record("b", "2") + std::string(100, '\0'));
  ReadAll all = readAll(path);
  EXPECT_EQ(all.keys, std::vector<std::string>{"a"});
  EXPECT_EQ(all.end, LogReader::Result::kCorrupt);
  EXPECT_EQ(all.goodBytes, good.size());
  // Zeros, then one stray byte near the end: not reserved space either.
  std::string stray = good + std::string(5000, '\0');
  stray[stray.size() - 3] = 'x';
  writeFile(path, stray);
  all = readAll(path);
  EXPECT_NE(all.end, LogReader::Result::kEnd);
  EXPECT_EQ(all.goodBytes, good.size());
}

TEST(LogReaderTest, AnImpossibleLengthIsCorrupt) {
  std::string bad = record("a", "1");
  bad[7] = '\x7f';  // length's top byte: far over kMaxPayload
  const std::string path = tempPath("huge.log");
  writeFile(path, bad + std::string(100, 'x'));
  auto reader = LogReader::open(Env::posix(), path);
  ASSERT_TRUE(reader.ok());
  log::RecordType type;
  std::string_view payload;
  EXPECT_EQ((*reader)->next(&type, &payload), LogReader::Result::kCorrupt);
  EXPECT_NE((*reader)->problem().find("impossible length"), std::string::npos);
}

TEST(LogReaderTest, AHeaderIsReadAndAHeaderlessFileIsVersion0) {
  std::string withHeader;
  log::appendFileHeader(&withHeader);
  const std::string path = tempPath("versions.log");
  writeFile(path, withHeader + record("a", "1"));
  auto reader = LogReader::open(Env::posix(), path);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->version(), log::kFormatVersion);
  EXPECT_EQ((*reader)->firstRecord(), log::kFileHeaderSize);
  EXPECT_EQ(readAll(path).keys, std::vector<std::string>{"a"});
  writeFile(path, record("a", "1"));
  reader = LogReader::open(Env::posix(), path);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->version(), 0u);
  EXPECT_EQ(readAll(path).keys, std::vector<std::string>{"a"});
}

TEST(LogReaderTest, ANewerVersionIsRefusedNamingTheFileAndBothVersions) {
  std::string header;
  log::appendFileHeader(&header, log::kFormatVersion + 1);
  const std::string path = tempPath("newer.log");
  writeFile(path, header + record("a", "1"));
  auto reader = LogReader::open(Env::posix(), path);
  ASSERT_EQ(reader.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(reader.status().message().find(path), std::string::npos);
  EXPECT_NE(reader.status().message().find(absl::StrCat("version ", log::kFormatVersion + 1)),
            std::string::npos);
}

TEST(LogReaderTest, AHeaderCutShortIsATornFile) {
  std::string header;
  log::appendFileHeader(&header);
  const std::string path = tempPath("torn_header.log");
  for (size_t cut = 1; cut < header.size(); ++cut) {
    writeFile(path, header.substr(0, cut));
    const ReadAll all = readAll(path);
    EXPECT_EQ(all.end, LogReader::Result::kTruncated) << cut;
    EXPECT_EQ(all.goodBytes, 0u);
  }
}

TEST(LogReaderTest, AResynchronisingScanFindsTheValidRecordsAfterDamage) {
  const std::string a = record("a", "1");
  std::string b = record("b", std::string(30, 'x'));
  b[12] = 'X';  // damaged
  const std::string path = tempPath("resync.log");
  writeFile(path, a + b + record("c", "3") + record("d", "4") + std::string(7, '\0'));
  auto reader = LogReader::open(Env::posix(), path);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->nextValidRecord(a.size() + 1), a.size() + b.size());
  uint64_t bytes = 0;
  EXPECT_EQ((*reader)->countValidRecords(a.size() + 1, &bytes), 2u);
  EXPECT_EQ(bytes, 2 * record("c", "3").size());
  EXPECT_EQ((*reader)->countValidRecords(a.size() + b.size() + 2 * record("c", "3").size(), &bytes),
            0u)
      << "the zero tail holds nothing valid";
}

TEST(LogReaderTest, AMissingFileIsAnError) {
  EXPECT_FALSE(LogReader::open(Env::posix(), tempPath("does-not-exist.log")).ok());
}

}  // namespace
}  // namespace muduo::kv
