#include "muduo/net/BufferLoan.h"

#include <cassert>

namespace muduo::net {

BufferLoan::BufferLoan(Buffer* target, char* data, size_t len) : target_(target) {
  assert(target->readableBytes() == 0 && !target->borrowed_);
  saved_.swap(*target);
  target->initialSize_ = saved_.initialSize_;
  target->data_ = data - Buffer::kCheapPrepend;
  target->capacity_ = Buffer::kCheapPrepend + len;
  target->readerIndex_ = Buffer::kCheapPrepend;
  target->writerIndex_ = Buffer::kCheapPrepend + len;
  target->borrowed_ = true;
}

BufferLoan::~BufferLoan() {
  Buffer& target = *target_;
  if (!target.borrowed_) {
    // A write or a swap moved the lent bytes out. Storage the target got
    // meanwhile stays; none (an echo swapped its input away) takes back
    // the storage set aside.
    if (!target.allocated() && target.readableBytes() == 0) {
      saved_.retrieveAll();
      target.swap(saved_);
    }
    return;
  }
  const char* left = target.peek();
  const size_t leftBytes = target.readableBytes();
  target.release();  // forgets the lent storage; frees nothing
  target.readerIndex_ = target.writerIndex_ = Buffer::kCheapPrepend;
  saved_.retrieveAll();
  target.swap(saved_);
  if (leftBytes > 0) target.append(left, leftBytes);
}

}  // namespace muduo::net
