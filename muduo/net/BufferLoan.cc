#include "muduo/net/BufferLoan.h"

namespace muduo::net {

void BufferLoan::settle() {
  Buffer& target = *target_;
  if (target.borrowed_) {
    // Back on the storage set aside, with what the borrower left unread.
    const char* left = target.peek();
    const size_t leftBytes = target.readableBytes();
    restore();
    target.append(left, leftBytes);
  } else if (!target.allocated()) {
    // A swap took the lent bytes away (an echo) and left nothing.
    restore();
  } else if (savedData_ != Buffer::emptyStorage_) {
    // A write moved the bytes into new storage of the target's own.
    delete[] savedData_;
  }
}

}  // namespace muduo::net
