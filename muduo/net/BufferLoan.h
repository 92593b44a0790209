// BufferLoan: lends a Buffer bytes that live in storage it does not own (a
// receive buffer the kernel filled) for one scope, so that a message callback
// reads them where they are instead of from a copy.
//
// While the loan lasts the Buffer holds exactly the lent bytes, and every
// Buffer member works as usual: reads and retrieve() in place; prepend()
// into the Buffer::kCheapPrepend bytes in front of the lent ones (the lender
// owns those too, as the prepend area); a write that does not fit first
// moves the readable bytes into storage of the Buffer's own; a swap or move
// copies them before storage changes hands. So no lent byte outlives the
// loan. When the loan ends the Buffer is back on storage of its own (what it
// had before, unless a write gave it new) holding whatever the borrower left
// unread: only that is copied.
//
// One mechanism for any lender; today the io_uring completion mode lends its
// provided buffers (see TcpConnection::handleReceived).
//
// Internal to muduo/net. Not thread-safe: used in the Buffer's thread.
#ifndef MUDUO_NET_BUFFERLOAN_H_
#define MUDUO_NET_BUFFERLOAN_H_

#include <cassert>
#include <cstddef>

#include "muduo/net/Buffer.h"

namespace muduo::net {

class BufferLoan {
 public:
  // `target` must be empty. [data - Buffer::kCheapPrepend, data + len) must
  // stay valid, and be the loan's alone, until the loan ends.
  BufferLoan(Buffer* target, char* data, size_t len)
      : target_(target), savedData_(target->data_), savedCapacity_(target->capacity_) {
    assert(target->readableBytes() == 0 && !target->borrowed_);
    target->data_ = data - Buffer::kCheapPrepend;
    target->capacity_ = Buffer::kCheapPrepend + len;
    target->readerIndex_ = Buffer::kCheapPrepend;
    target->writerIndex_ = Buffer::kCheapPrepend + len;
    target->borrowed_ = true;
  }
  ~BufferLoan() {
    // Inline for the common end: the borrower consumed everything in place.
    if (target_->borrowed_ && target_->readableBytes() == 0) {
      restore();
    } else {
      settle();
    }
  }
  BufferLoan(const BufferLoan&) = delete;
  BufferLoan& operator=(const BufferLoan&) = delete;

 private:
  // Puts the target back on the storage set aside, empty.
  void restore() {
    target_->data_ = savedData_;
    target_->capacity_ = savedCapacity_;
    target_->readerIndex_ = Buffer::kCheapPrepend;
    target_->writerIndex_ = Buffer::kCheapPrepend;
    target_->borrowed_ = false;
  }
  // Every other end: bytes left, or moved by a write or a swap.
  void settle();

  Buffer* const target_;
  // The target's own storage, set aside (it was empty: nothing else to keep).
  char* const savedData_;
  const size_t savedCapacity_;
};

}  // namespace muduo::net

#endif  // MUDUO_NET_BUFFERLOAN_H_
