#include "muduo/net/BufferLoan.h"

#include <cstring>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "muduo/net/Buffer.h"

namespace muduo::net {
namespace {

// A lender's storage: a guard, the prepend area, the lent bytes, a guard.
// Guards show a write outside what was lent; scribble() shows a Buffer that
// still reads lent bytes after the loan.
class Lender {
 public:
  static constexpr size_t kGuard = 32;
  static constexpr char kGuardByte = '#';

  explicit Lender(std::string_view bytes)
      : storage_(kGuard + Buffer::kCheapPrepend + bytes.size() + kGuard, kGuardByte),
        size_(bytes.size()) {
    memcpy(data(), bytes.data(), bytes.size());
  }
  char* data() { return storage_.data() + kGuard + Buffer::kCheapPrepend; }
  size_t size() const { return size_; }
  bool guardsIntact() const {
    const size_t tail = kGuard + Buffer::kCheapPrepend + size_;
    return storage_.find_first_not_of(kGuardByte) >= kGuard &&
           storage_.find_first_not_of(kGuardByte, tail) == std::string::npos;
  }
  // What a ring buffer goes through once it is back with the kernel.
  void scribble() { memset(data() - Buffer::kCheapPrepend, '?', Buffer::kCheapPrepend + size_); }

 private:
  std::string storage_;
  size_t size_;
};

// An empty buffer with storage of its own, as a connection's input buffer
// is after its first message.
Buffer usedBuffer() {
  Buffer buf;
  buf.append("warm");
  buf.retrieveAll();
  return buf;
}

TEST(BufferLoanTest, TheBorrowerReadsTheLentBytesWhereTheyAre) {
  Lender lender("hello world");
  Buffer buf = usedBuffer();
  {
    BufferLoan loan(&buf, lender.data(), lender.size());
    EXPECT_EQ(buf.peek(), lender.data());
    EXPECT_EQ(buf.view(), "hello world");
    EXPECT_EQ(buf.writableBytes(), 0u);
    EXPECT_EQ(buf.prependableBytes(), Buffer::kCheapPrepend);
  }
  EXPECT_TRUE(lender.guardsIntact());
}

TEST(BufferLoanTest, BytesConsumedInPlaceLeaveTheBufferEmptyOnItsOwnStorage) {
  Lender lender(std::string("\0\0\0\x05", 4) + "hello");
  Buffer buf = usedBuffer();
  const size_t ownCapacity = buf.capacity();
  {
    BufferLoan loan(&buf, lender.data(), lender.size());
    EXPECT_EQ(buf.readInt32(), 5);
    EXPECT_EQ(buf.retrieveAsString(5), "hello");
  }
  lender.scribble();
  EXPECT_EQ(buf.readableBytes(), 0u);
  EXPECT_EQ(buf.capacity(), ownCapacity);
  buf.append("next");
  EXPECT_EQ(buf.view(), "next");
}

TEST(BufferLoanTest, BytesLeftUnreadAreCopiedWhenTheLoanEnds) {
  Lender lender("one\ntwo");
  Buffer buf = usedBuffer();
  {
    BufferLoan loan(&buf, lender.data(), lender.size());
    buf.retrieveUntil(buf.findEOL() + 1);
  }
  lender.scribble();
  EXPECT_EQ(buf.view(), "two");
  buf.append("\n");
  EXPECT_EQ(buf.view(), "two\n");
}

TEST(BufferLoanTest, AnUntouchedLoanLeavesEveryByteInTheBuffer) {
  Lender lender("partial frame");
  Buffer buf;  // never written: no storage of its own yet
  { BufferLoan loan(&buf, lender.data(), lender.size()); }
  lender.scribble();
  EXPECT_EQ(buf.view(), "partial frame");
  EXPECT_TRUE(lender.guardsIntact());
}

TEST(BufferLoanTest, APrependGoesIntoTheAreaInFrontOfTheLentBytes) {
  Lender lender("body");
  Buffer buf = usedBuffer();
  {
    BufferLoan loan(&buf, lender.data(), lender.size());
    buf.prependInt32(4);
    EXPECT_EQ(buf.readableBytes(), 8u);
  }
  EXPECT_TRUE(lender.guardsIntact());
  lender.scribble();
  EXPECT_EQ(buf.view(), std::string("\0\0\0\x04", 4) + "body");
}

TEST(BufferLoanTest, AnAppendThatDoesNotFitMovesTheBytesToStorageOfTheBuffersOwn) {
  Lender lender("abc");
  Buffer buf = usedBuffer();
  {
    BufferLoan loan(&buf, lender.data(), lender.size());
    buf.append(std::string(100, 'x'));
    EXPECT_NE(buf.peek(), lender.data());
    lender.scribble();  // the loan's bytes are no longer read
    EXPECT_EQ(buf.view(), "abc" + std::string(100, 'x'));
  }
  EXPECT_EQ(buf.view(), "abc" + std::string(100, 'x'));
}

TEST(BufferLoanTest, AnAppendIntoConsumedRoomStaysWithinTheLentStorage) {
  Lender lender("consumed!tail");
  Buffer buf = usedBuffer();
  {
    BufferLoan loan(&buf, lender.data(), lender.size());
    buf.retrieve(9);
    buf.append("++");  // slides "tail" to the front of the lent bytes
    EXPECT_EQ(buf.view(), "tail++");
  }
  EXPECT_TRUE(lender.guardsIntact());
  lender.scribble();
  EXPECT_EQ(buf.view(), "tail++");
}

TEST(BufferLoanTest, SwappingALentBufferIntoAnEmptyOneCopiesIntoThatOnesStorage) {
  // An echo: TcpConnection::send(Buffer*) swaps the input into its output.
  Lender lender("echo me");
  Buffer buf = usedBuffer();
  Buffer output = usedBuffer();
  const char* outputStorage = output.peek();
  {
    BufferLoan loan(&buf, lender.data(), lender.size());
    output.swap(buf);
    EXPECT_EQ(output.peek(), outputStorage);
    EXPECT_EQ(buf.readableBytes(), 0u);
  }
  lender.scribble();
  EXPECT_EQ(output.view(), "echo me");
  EXPECT_EQ(buf.readableBytes(), 0u);
  buf.append("storage back");  // the input has its own storage again
  EXPECT_EQ(buf.view(), "storage back");
}

TEST(BufferLoanTest, MovingALentBufferOutCopiesItsBytes) {
  Lender lender("taken away");
  Buffer buf = usedBuffer();
  Buffer taken;
  Buffer full;
  full.append("not empty");
  {
    BufferLoan loan(&buf, lender.data(), lender.size());
    taken = std::move(buf);
    buf.append("second");
    full.swap(buf);  // an ordinary swap now: the move left buf on its own storage
  }
  lender.scribble();
  EXPECT_EQ(taken.view(), "taken away");
  EXPECT_EQ(full.view(), "second");
  EXPECT_EQ(buf.view(), "not empty");
}

TEST(BufferLoanTest, ShrinkingALentBufferCopiesWhatItKeeps) {
  Lender lender("xxxxkeep");
  Buffer buf = usedBuffer();
  {
    BufferLoan loan(&buf, lender.data(), lender.size());
    buf.retrieve(4);
    buf.shrink(0);
  }
  lender.scribble();
  EXPECT_EQ(buf.view(), "keep");
}

TEST(BufferLoanTest, ABufferEmptiedDuringTheLoanIsReadyForTheNextOne) {
  Buffer buf = usedBuffer();
  for (int i = 0; i < 3; ++i) {
    Lender lender("message " + std::to_string(i));
    {
      BufferLoan loan(&buf, lender.data(), lender.size());
      EXPECT_EQ(buf.retrieveAllAsString(), "message " + std::to_string(i));
    }
    EXPECT_EQ(buf.readableBytes(), 0u);
  }
}

}  // namespace
}  // namespace muduo::net
