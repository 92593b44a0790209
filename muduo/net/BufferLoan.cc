#include "muduo/net/BufferLoan.h"

#include <cassert>

namespace muduo::net {

BufferLoan::BufferLoan(Buffer* target, char* data, size_t len)
    : target_(target), savedData_(target->data_), savedCapacity_(target->capacity_) {
  assert(target->readableBytes() == 0 && !target->borrowed_);
  target->data_ = data - Buffer::kCheapPrepend;
  target->capacity_ = Buffer::kCheapPrepend + len;
  target->readerIndex_ = Buffer::kCheapPrepend;
  target->writerIndex_ = Buffer::kCheapPrepend + len;
  target->borrowed_ = true;
}

BufferLoan::~BufferLoan() {
  Buffer& target = *target_;
  if (target.borrowed_) {
    // Back on the storage set aside, with what the borrower left unread.
    const char* left = target.peek();
    const size_t leftBytes = target.readableBytes();
    restore();
    if (leftBytes > 0) target.append(left, leftBytes);
  } else if (!target.allocated()) {
    // A swap took the lent bytes away (an echo) and left nothing.
    restore();
  } else if (savedData_ != Buffer::emptyStorage_) {
    // A write moved the bytes into new storage of the target's own.
    delete[] savedData_;
  }
}

void BufferLoan::restore() {
  Buffer& target = *target_;
  target.data_ = savedData_;
  target.capacity_ = savedCapacity_;
  target.readerIndex_ = Buffer::kCheapPrepend;
  target.writerIndex_ = Buffer::kCheapPrepend;
  target.borrowed_ = false;
}

}  // namespace muduo::net
