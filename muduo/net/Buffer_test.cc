#include "muduo/net/Buffer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "muduo/base/Thread.h"

namespace muduo::net {
namespace {

// Deterministic, non-repeating-looking bytes, so a misplaced chunk shows up.
std::string pattern(size_t len) {
  std::string s(len, '\0');
  uint32_t x = 2463534242u;
  for (size_t i = 0; i < len; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s[i] = static_cast<char>(x);
  }
  return s;
}

std::string bytes(std::initializer_list<uint8_t> list) {
  std::string s;
  for (uint8_t b : list) s.push_back(static_cast<char>(b));
  return s;
}

class Pipe {
 public:
  Pipe() { EXPECT_EQ(::pipe2(fds_, O_CLOEXEC), 0); }
  ~Pipe() {
    closeRead();
    closeWrite();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  int readFd() const { return fds_[0]; }
  int writeFd() const { return fds_[1]; }
  void closeRead() {
    if (fds_[0] >= 0) ::close(fds_[0]);
    fds_[0] = -1;
  }
  void closeWrite() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

TEST(BufferTest, PrependAreaHoldsAtLeastATwelveByteFrameHeader) {
  static_assert(Buffer::kCheapPrepend >= 12);
  Buffer buf;
  EXPECT_EQ(buf.prependableBytes(), Buffer::kCheapPrepend);
}

TEST(BufferTest, FreshBufferHasNoStorageUntilTheFirstWrite) {
  Buffer buf;
  EXPECT_EQ(buf.capacity(), Buffer::kCheapPrepend);
  EXPECT_EQ(buf.readableBytes(), 0u);
  EXPECT_EQ(buf.writableBytes(), 0u);
  EXPECT_TRUE(buf.view().empty());
  EXPECT_EQ(buf.findCRLF(), nullptr);
  EXPECT_EQ(buf.findEOL(), nullptr);

  buf.append("", 0);  // an empty write needs no storage either
  EXPECT_EQ(buf.capacity(), Buffer::kCheapPrepend);

  buf.append("x");
  EXPECT_EQ(buf.capacity(), Buffer::kCheapPrepend + Buffer::kInitialSize);
  EXPECT_EQ(buf.writableBytes(), Buffer::kInitialSize - 1);
}

TEST(BufferTest, FirstWriteReservesTheRequestedInitialSize) {
  Buffer buf(100);
  buf.append("abc");
  EXPECT_EQ(buf.capacity(), Buffer::kCheapPrepend + 100);
  EXPECT_EQ(buf.writableBytes(), 97u);
}

TEST(BufferTest, AppendAndRetrieveMoveTheReaderAndWriterIndices) {
  Buffer buf;
  const std::string str(200, 'x');
  buf.append(str);
  EXPECT_EQ(buf.readableBytes(), str.size());
  EXPECT_EQ(buf.writableBytes(), Buffer::kInitialSize - str.size());
  EXPECT_EQ(buf.prependableBytes(), Buffer::kCheapPrepend);

  const std::string str2 = buf.retrieveAsString(50);
  EXPECT_EQ(str2, std::string(50, 'x'));
  EXPECT_EQ(buf.readableBytes(), str.size() - 50);
  EXPECT_EQ(buf.prependableBytes(), Buffer::kCheapPrepend + 50);

  buf.append(str);
  EXPECT_EQ(buf.readableBytes(), 2 * str.size() - 50);
  EXPECT_EQ(buf.writableBytes(), Buffer::kInitialSize - 2 * str.size());

  const std::string str3 = buf.retrieveAllAsString();
  EXPECT_EQ(str3, std::string(350, 'x'));
  EXPECT_EQ(buf.readableBytes(), 0u);
  EXPECT_EQ(buf.writableBytes(), Buffer::kInitialSize);
  EXPECT_EQ(buf.prependableBytes(), Buffer::kCheapPrepend);
}

TEST(BufferTest, RetrievingEverythingResetsToThePrependArea) {
  Buffer buf;
  buf.append("hello");
  buf.retrieve(2);
  EXPECT_EQ(buf.view(), "llo");
  buf.retrieve(3);  // the last bytes: indices go back to the start
  EXPECT_EQ(buf.prependableBytes(), Buffer::kCheapPrepend);
  EXPECT_EQ(buf.writableBytes(), Buffer::kInitialSize);
}

TEST(BufferTest, RetrieveUntilConsumesUpToThePointer) {
  Buffer buf;
  buf.append("key: value\r\nrest");
  const char* crlf = buf.findCRLF();
  ASSERT_NE(crlf, nullptr);
  EXPECT_EQ(std::string(buf.peek(), crlf), "key: value");
  buf.retrieveUntil(crlf + 2);
  EXPECT_EQ(buf.view(), "rest");
}

TEST(BufferTest, UnwriteDropsTheLastBytesWritten) {
  Buffer buf;
  buf.append("abcdef");
  buf.unwrite(2);
  EXPECT_EQ(buf.view(), "abcd");
}

TEST(BufferTest, EnsureWritableBytesThenHasWrittenAppendsInPlace) {
  Buffer buf;
  buf.ensureWritableBytes(5000);
  EXPECT_GE(buf.writableBytes(), 5000u);
  memcpy(buf.beginWrite(), "direct", 6);
  buf.hasWritten(6);
  EXPECT_EQ(buf.view(), "direct");
}

TEST(BufferTest, IntegersAreAppendedInNetworkByteOrder) {
  Buffer buf;
  buf.appendInt64(0x0102030405060708);
  buf.appendInt32(0x0a0b0c0d);
  buf.appendInt16(0x1e1f);
  buf.appendInt8(0x7f);
  EXPECT_EQ(buf.view(), bytes({0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0a, 0x0b, 0x0c,
                               0x0d, 0x1e, 0x1f, 0x7f}));
}

TEST(BufferTest, NegativeIntegersAreTwosComplementBigEndian) {
  Buffer buf;
  buf.appendInt64(-2);
  buf.appendInt32(-3);
  buf.appendInt16(-4);
  buf.appendInt8(-5);
  EXPECT_EQ(buf.view(), bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff,
                               0xfd, 0xff, 0xfc, 0xfb}));
  EXPECT_EQ(buf.readInt64(), -2);
  EXPECT_EQ(buf.readInt32(), -3);
  EXPECT_EQ(buf.readInt16(), -4);
  EXPECT_EQ(buf.readInt8(), -5);
  EXPECT_EQ(buf.readableBytes(), 0u);
}

TEST(BufferTest, PeekLeavesTheIntegerInPlaceAndReadConsumesIt) {
  Buffer buf;
  buf.append(bytes({0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}));
  EXPECT_EQ(buf.peekInt8(), static_cast<int8_t>(0x80));
  EXPECT_EQ(buf.peekInt16(), static_cast<int16_t>(0x8000));
  EXPECT_EQ(buf.peekInt32(), static_cast<int32_t>(0x80000000u));
  EXPECT_EQ(buf.peekInt64(), static_cast<int64_t>(0x8000000000000001ull));
  EXPECT_EQ(buf.readableBytes(), 8u);

  EXPECT_EQ(buf.readInt16(), static_cast<int16_t>(0x8000));
  EXPECT_EQ(buf.readableBytes(), 6u);
  EXPECT_EQ(buf.readInt32(), 0);
  EXPECT_EQ(buf.readInt8(), 0);
  EXPECT_EQ(buf.readInt8(), 1);
  EXPECT_EQ(buf.readableBytes(), 0u);
}

TEST(BufferTest, ExtremeIntegersRoundTrip) {
  Buffer buf;
  buf.appendInt64(INT64_MIN);
  buf.appendInt64(INT64_MAX);
  buf.appendInt32(INT32_MIN);
  buf.appendInt16(INT16_MAX);
  buf.appendInt8(INT8_MIN);
  EXPECT_EQ(buf.readInt64(), INT64_MIN);
  EXPECT_EQ(buf.readInt64(), INT64_MAX);
  EXPECT_EQ(buf.readInt32(), INT32_MIN);
  EXPECT_EQ(buf.readInt16(), INT16_MAX);
  EXPECT_EQ(buf.readInt8(), INT8_MIN);
}

TEST(BufferTest, PrependedHeaderLandsRightBeforeTheBodyWithoutMovingIt) {
  Buffer buf;
  buf.append("body");
  const char* body = buf.peek();
  // A 12-byte frame header: 4-byte length, 8-byte id.
  buf.prependInt64(0x1122334455667788);
  buf.prependInt32(4);
  EXPECT_EQ(buf.peek(), body - 12);
  EXPECT_EQ(buf.prependableBytes(), Buffer::kCheapPrepend - 12);
  EXPECT_EQ(
      buf.view(),
      bytes({0x00, 0x00, 0x00, 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}) + "body");
}

TEST(BufferTest, PrependOfEachWidthIsBigEndian) {
  Buffer buf;
  buf.append("!");
  buf.prependInt8(0x01);
  buf.prependInt16(0x0203);
  buf.prependInt32(0x04050607);
  EXPECT_EQ(buf.view(), bytes({0x04, 0x05, 0x06, 0x07, 0x02, 0x03, 0x01}) + "!");
  buf.prepend("raw", 3);
  EXPECT_EQ(buf.readableBytes(), 11u);
  EXPECT_EQ(buf.view().substr(0, 3), "raw");
}

TEST(BufferTest, PrependIntoAFreshBufferAllocatesFirst) {
  Buffer buf;
  buf.prependInt32(42);
  EXPECT_GT(buf.capacity(), Buffer::kCheapPrepend);
  EXPECT_EQ(buf.readableBytes(), 4u);
  EXPECT_EQ(buf.readInt32(), 42);
}

TEST(BufferTest, FindCRLFReturnsEachLineEndInTurn) {
  Buffer buf;
  buf.append("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  const char* first = buf.findCRLF();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first - buf.peek(), 14);
  const char* second = buf.findCRLF(first + 2);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second - buf.peek(), 23);
  const char* third = buf.findCRLF(second + 2);
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(third - buf.peek(), 25);
  EXPECT_EQ(buf.findCRLF(third + 2), nullptr);
}

TEST(BufferTest, FindCRLFIgnoresALoneCarriageReturnOrNewline) {
  Buffer buf;
  buf.append("a\rb\nc\r");
  EXPECT_EQ(buf.findCRLF(), nullptr);
  buf.append("\n");  // completes a CRLF across two appends
  const char* crlf = buf.findCRLF();
  ASSERT_NE(crlf, nullptr);
  EXPECT_EQ(crlf - buf.peek(), 5);
}

TEST(BufferTest, FindEOLFindsEachNewline) {
  Buffer buf;
  buf.append("one\ntwo\nthree");
  const char* eol = buf.findEOL();
  ASSERT_NE(eol, nullptr);
  EXPECT_EQ(eol - buf.peek(), 3);
  const char* next = buf.findEOL(eol + 1);
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next - buf.peek(), 7);
  EXPECT_EQ(buf.findEOL(next + 1), nullptr);
}

TEST(BufferTest, FindSearchesOnlyTheReadableBytes) {
  Buffer buf;
  buf.append("x\r\ny\n");
  buf.retrieve(5);  // everything consumed; the old bytes stay in storage
  EXPECT_EQ(buf.findCRLF(), nullptr);
  EXPECT_EQ(buf.findEOL(), nullptr);
}

TEST(BufferTest, GrowsWhenFullAndKeepsTheContent) {
  Buffer buf;
  const std::string first = pattern(400);
  buf.append(first);
  const std::string second = pattern(1000);
  buf.append(second);
  EXPECT_EQ(buf.readableBytes(), 1400u);
  EXPECT_GE(buf.capacity(), Buffer::kCheapPrepend + 1400);
  EXPECT_EQ(buf.prependableBytes(), Buffer::kCheapPrepend);
  EXPECT_EQ(buf.view(), first + second);
}

TEST(BufferTest, GrowsGeometricallyUnderManySmallAppends) {
  Buffer buf(16);
  size_t reallocations = 0;
  size_t capacity = buf.capacity();
  const std::string chunk = pattern(7);
  for (int i = 0; i < 100000; ++i) {
    buf.append(chunk);
    if (buf.capacity() != capacity) {
      ++reallocations;
      capacity = buf.capacity();
    }
  }
  EXPECT_EQ(buf.readableBytes(), 700000u);
  EXPECT_LE(reallocations, 20u);  // log2(700000 / 16) + 1 with doubling
}

TEST(BufferTest, SlidesReadableBytesForwardInsteadOfGrowing) {
  Buffer buf;
  const std::string data = pattern(800);
  buf.append(data);
  buf.retrieve(500);
  EXPECT_EQ(buf.readableBytes(), 300u);
  EXPECT_EQ(buf.prependableBytes(), Buffer::kCheapPrepend + 500);
  EXPECT_EQ(buf.writableBytes(), Buffer::kInitialSize - 800);
  const size_t capacity = buf.capacity();

  // 600 bytes do not fit after the data, but do once the consumed 500 are reused.
  const std::string more = pattern(600);
  buf.append(more);
  EXPECT_EQ(buf.capacity(), capacity);
  EXPECT_EQ(buf.prependableBytes(), Buffer::kCheapPrepend);
  EXPECT_EQ(buf.readableBytes(), 900u);
  EXPECT_EQ(buf.writableBytes(), Buffer::kInitialSize - 900);
  EXPECT_EQ(buf.view(), data.substr(500) + more);
}

TEST(BufferTest, SteadilyConsumedBufferKeepsItsSize) {
  Buffer buf;
  const std::string chunk = pattern(300);
  buf.append(chunk);
  const size_t capacity = buf.capacity();
  for (int i = 0; i < 1000; ++i) {
    buf.append(chunk);
    ASSERT_EQ(buf.retrieveAsString(300), chunk);
  }
  EXPECT_EQ(buf.capacity(), capacity);
  EXPECT_EQ(buf.view(), chunk);
}

TEST(BufferTest, ShrinkKeepsTheReadableBytesPlusTheReserve) {
  Buffer buf;
  const std::string data = pattern(5000);
  buf.append(data);
  buf.retrieve(4000);
  ASSERT_GE(buf.capacity(), Buffer::kCheapPrepend + 5000);

  buf.shrink(100);
  EXPECT_EQ(buf.capacity(), Buffer::kCheapPrepend + 1000 + 100);
  EXPECT_EQ(buf.prependableBytes(), Buffer::kCheapPrepend);
  EXPECT_EQ(buf.writableBytes(), 100u);
  EXPECT_EQ(buf.view(), data.substr(4000));

  buf.shrink(0);
  EXPECT_EQ(buf.capacity(), Buffer::kCheapPrepend + 1000);
  EXPECT_EQ(buf.view(), data.substr(4000));
}

TEST(BufferTest, ShrinkNeverGrowsAnAllocatedBuffer) {
  Buffer buf;
  buf.append("abc");
  const size_t capacity = buf.capacity();
  buf.shrink(capacity * 4);
  EXPECT_EQ(buf.capacity(), capacity);
  EXPECT_EQ(buf.view(), "abc");
}

TEST(BufferTest, ShrinkingAnEmptyBufferFreesItsStorageAndItStillWorks) {
  Buffer buf;
  buf.append(pattern(3000));
  buf.retrieveAll();
  buf.shrink(0);
  EXPECT_EQ(buf.capacity(), Buffer::kCheapPrepend);
  EXPECT_EQ(buf.writableBytes(), 0u);
  EXPECT_EQ(buf.prependableBytes(), Buffer::kCheapPrepend);

  buf.append("again");
  buf.prependInt8(1);
  EXPECT_EQ(buf.view(), bytes({0x01}) + "again");
}

TEST(BufferTest, ReadFdSpillsIntoTheStackAreaWhenWritableSpaceIsShort) {
  Pipe pipe;
  const std::string data = pattern(60000);  // fits the 64 KiB pipe buffer
  ASSERT_EQ(::write(pipe.writeFd(), data.data(), data.size()), static_cast<ssize_t>(data.size()));

  Buffer buf;
  buf.append("head");
  ASSERT_LT(buf.writableBytes(), data.size());
  int savedErrno = 0;
  const ssize_t n = buf.readFd(pipe.readFd(), &savedErrno);
  EXPECT_EQ(n, static_cast<ssize_t>(data.size()));
  EXPECT_EQ(buf.readableBytes(), 4 + data.size());
  EXPECT_EQ(buf.view(), "head" + data);
}

TEST(BufferTest, ReadFdIntoAFreshBufferGoesThroughTheSpillArea) {
  Pipe pipe;
  const std::string data = pattern(3000);
  ASSERT_EQ(::write(pipe.writeFd(), data.data(), data.size()), static_cast<ssize_t>(data.size()));
  Buffer buf;
  int savedErrno = 0;
  EXPECT_EQ(buf.readFd(pipe.readFd(), &savedErrno), static_cast<ssize_t>(data.size()));
  EXPECT_EQ(buf.view(), data);
}

TEST(BufferTest, ReadFdFillsOwnSpaceWithoutReallocatingWhenItSuffices) {
  Pipe pipe;
  const std::string data = pattern(500);
  ASSERT_EQ(::write(pipe.writeFd(), data.data(), data.size()), static_cast<ssize_t>(data.size()));
  Buffer buf;
  buf.append("x");
  const size_t capacity = buf.capacity();
  int savedErrno = 0;
  EXPECT_EQ(buf.readFd(pipe.readFd(), &savedErrno), 500);
  EXPECT_EQ(buf.capacity(), capacity);
  EXPECT_EQ(buf.view(), "x" + data);
}

TEST(BufferTest, ReadFdDrainsAStreamFarLargerThanTheSpillArea) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  const std::string data = pattern(200 * 1024);
  Thread writer([fd = fds[1], &data] {
    size_t sent = 0;
    while (sent < data.size()) {  // blocking writes; each makes progress or fails
      const ssize_t n = ::write(fd, data.data() + sent, data.size() - sent);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    ::close(fd);
  });
  writer.start();

  Buffer buf(1024);
  int calls = 0;
  for (; calls < 10000; ++calls) {  // bounded: each call returns at least one byte or EOF
    struct pollfd pfd = {fds[0], POLLIN, 0};
    ASSERT_EQ(::poll(&pfd, 1, 5000), 1) << "no data for 5 s";
    int savedErrno = 0;
    const ssize_t n = buf.readFd(fds[0], &savedErrno);
    ASSERT_GE(n, 0) << strerror(savedErrno);
    if (n == 0) break;
  }
  writer.join();
  ::close(fds[0]);
  EXPECT_LT(calls, 10000);
  ASSERT_EQ(buf.readableBytes(), data.size());
  EXPECT_TRUE(buf.view() == data);
}

TEST(BufferTest, ReadFdReturnsZeroAtEndOfFile) {
  Pipe pipe;
  pipe.closeWrite();
  Buffer buf;
  int savedErrno = 0;
  EXPECT_EQ(buf.readFd(pipe.readFd(), &savedErrno), 0);
  EXPECT_EQ(buf.readableBytes(), 0u);
}

TEST(BufferTest, ReadFdReportsErrnoAndKeepsTheContentOnError) {
  Pipe pipe;
  ASSERT_EQ(::fcntl(pipe.readFd(), F_SETFL, O_NONBLOCK), 0);
  Buffer buf;
  buf.append("kept");
  int savedErrno = 0;
  EXPECT_EQ(buf.readFd(pipe.readFd(), &savedErrno), -1);
  EXPECT_EQ(savedErrno, EAGAIN);
  EXPECT_EQ(buf.view(), "kept");
}

TEST(BufferTest, SwapExchangesContentAndStorage) {
  Buffer a;
  a.append("alpha");
  a.retrieve(1);
  Buffer b;  // never written
  a.swap(b);
  EXPECT_EQ(a.readableBytes(), 0u);
  EXPECT_EQ(a.capacity(), Buffer::kCheapPrepend);
  EXPECT_EQ(b.view(), "lpha");
  EXPECT_EQ(b.prependableBytes(), Buffer::kCheapPrepend + 1);
  a.append("beta");
  EXPECT_EQ(a.view(), "beta");
  EXPECT_EQ(b.view(), "lpha");
}

TEST(BufferTest, MoveConstructionTakesTheStorageAndLeavesTheSourceEmpty) {
  Buffer source;
  source.append("payload");
  const char* data = source.peek();
  Buffer target(std::move(source));
  EXPECT_EQ(target.view(), "payload");
  EXPECT_EQ(target.peek(), data);         // no copy
  EXPECT_EQ(source.readableBytes(), 0u);  // NOLINT(bugprone-use-after-move): defined empty
  EXPECT_EQ(source.capacity(), Buffer::kCheapPrepend);
  source.append("reuse");
  EXPECT_EQ(source.view(), "reuse");
}

TEST(BufferTest, MoveAssignmentReplacesTheTargetsContent) {
  Buffer source;
  source.append("new");
  Buffer target;
  target.append("old content");
  target = std::move(source);
  EXPECT_EQ(target.view(), "new");
  EXPECT_EQ(source.readableBytes(), 0u);  // NOLINT(bugprone-use-after-move): defined empty
}

}  // namespace
}  // namespace muduo::net
